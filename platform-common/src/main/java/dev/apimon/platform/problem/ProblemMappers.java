package dev.apimon.platform.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.quarkus.security.ForbiddenException;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure into RFC 9457 problem+json: clients never see a stack trace, and bad input is a 4xx
 * naming the field.
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.toProblem());
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        String field = fieldPath(e);
        String message = e instanceof JsonMappingException m && m.getCause() instanceof ProblemException p
                ? p.getMessage() : cleanJacksonMessage(e);
        return respond(Problem.of(400, "MALFORMED_JSON", "Malformed request body",
                field.isEmpty() ? message : field + ": " + message,
                List.of(new FieldError(field.isEmpty() ? "body" : field, message))));
    }

    /** More specific than Quarkus' built-in mapper for the same type, so a wrong value type still names its field. */
    @ServerExceptionMapper
    public Response mismatch(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response violations(ConstraintViolationException e) {
        List<FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new FieldError(lastNode(v.getPropertyPath().toString()), v.getMessage()))
                .sorted((a, b) -> a.field().compareTo(b.field()))
                .toList();
        return respond(ProblemException.invalid(errors).toProblem());
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(Problem.of(403, "FORBIDDEN", "Forbidden", "the token's roles do not allow this operation", List.of()));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException j) {
            return json(j);
        }
        if (e.getCause() instanceof ProblemException p) {
            return problem(p);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return internal(e);
        }
        String reason = Response.Status.fromStatusCode(status) == null ? "Error" : Response.Status.fromStatusCode(status).getReasonPhrase();
        String code = reason.toUpperCase().replace(' ', '_');
        String detail = e.getMessage() == null || e.getMessage().startsWith("HTTP ") ? reason : e.getMessage();
        return respond(Problem.of(status, code, reason, detail, List.of()));
    }

    @ServerExceptionMapper
    public Response internal(Throwable e) {
        String state = sqlState(e);
        if (state != null && state.startsWith("22")) {
            // PostgreSQL's "data exception" class: a value it cannot take (U+0000 in text or jsonb, a number beyond
            // a NUMERIC column, a date out of range). The input's fault, so a 400; the bound Java types refuse most of
            // these earlier, naming the field (JsonConventions), this catches the rest. Nothing was stored: the
            // statement, and the transaction around it, failed.
            LOG.warnf("input refused by the database (SQLState %s): %s", state, e.getClass().getSimpleName());
            return respond(Problem.of(400, "VALIDATION_FAILED", "Invalid request",
                    "a value cannot be stored: a number or date out of range, or a character the database does not accept (U+0000)",
                    List.of()));
        }
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(e, "unhandled error %s", errorId);
        return respond(Problem.of(500, "INTERNAL_ERROR", "Internal error",
                "an unexpected error occurred; reference " + errorId, List.of()));
    }

    /** The SQLState of the first SQLException among the causes, or null. */
    static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException sql) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    static Response respond(Problem p) {
        return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p).build();
    }

    private static String fieldPath(JsonProcessingException e) {
        if (e instanceof JsonMappingException m) {
            return m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
        }
        return "";
    }

    private static String cleanJacksonMessage(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        if (msg == null) {
            return "malformed JSON";
        }
        int nl = msg.indexOf('\n');
        return nl > 0 ? msg.substring(0, nl) : msg;
    }

    private static String lastNode(String path) {
        int dot = path.lastIndexOf('.');
        return dot >= 0 ? path.substring(dot + 1) : path;
    }
}
