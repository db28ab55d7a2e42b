package dev.apimon.usage.events.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.json.InputBounds;
import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import dev.apimon.usage.events.store.EventLogStore;
import dev.apimon.usage.ingest.domain.Rfc3339;
import io.agroal.api.AgroalDataSource;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The raw event log, for audits and disputes: every event and every correction as received, never changed. */
@Path("/v1/events")
public class EventLogResource {
    private final EventLogStore store;
    private final AgroalDataSource db;
    private final Caller caller;
    private final ObjectMapper json;

    public EventLogResource(EventLogStore store, AgroalDataSource db, Caller caller, ObjectMapper json) {
        this.store = store;
        this.db = db;
        this.caller = caller;
        this.json = json;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Corrects(String source, String id) {
    }

    /** One logged event; {@code subject} is the resolved customer id, {@code corrects} is set on corrections. */
    public record LoggedEvent(String id, String source, String type, String subject, Instant time, String env, JsonNode data,
                              Corrects corrects, Instant ingestedAt) {
    }

    @GET
    @Authenticated
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Raw usage events of a customer", description = "Ordered by event time, cursor-paginated; "
            + "from/to (RFC 3339, [from, to)) bound the event time. A customer token reads only its own events; "
            + "an admin names customer_id. Events appear here once the aggregator has logged them (milliseconds after 202).")
    public PageResponse<LoggedEvent> list(@QueryParam("customer_id") String customerId, @QueryParam("from") String from,
                                          @QueryParam("to") String to, @QueryParam("limit") String limit,
                                          @QueryParam("cursor") String cursor) throws SQLException {
        PageRequest page = PageRequest.of(limit, cursor);
        String customer = caller.scopeCustomer(customerId == null || customerId.isBlank() ? null : customerId)
                .orElseThrow(() -> ProblemException.invalid("customer_id", "is required: the raw log is read per customer"));
        List<FieldError> errors = new ArrayList<>();
        Instant f = from == null ? Instant.EPOCH : instant("from", from, errors);
        Instant t = to == null ? Instant.parse("9999-12-31T00:00:00Z") : instant("to", to, errors);
        Instant afterTime = Instant.EPOCH.minusSeconds(1);
        long afterSeq = Long.MIN_VALUE;
        if (page.cursor() != null) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(page.cursor()), StandardCharsets.UTF_8).split("\\|");
                afterTime = Instant.parse(parts[0]);
                afterSeq = Long.parseLong(parts[1]);
                if (!InputBounds.inRange(afterTime)) { // a forged cursor: the database could not take the instant
                    throw new IllegalArgumentException("instant out of range");
                }
            } catch (RuntimeException e) {
                errors.add(new FieldError("cursor", "is not a cursor this API returned"));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        List<EventLogStore.Row> rows;
        try (Connection c = db.getConnection()) {
            rows = store.page(c, customer, f, t, afterTime, afterSeq, page.limit() + 1);
        }
        boolean more = rows.size() > page.limit();
        List<EventLogStore.Row> shown = more ? rows.subList(0, page.limit()) : rows;
        List<LoggedEvent> data = new ArrayList<>(shown.size());
        for (EventLogStore.Row r : shown) {
            data.add(new LoggedEvent(r.id(), r.source(), r.type(), r.customerId(), r.time(), r.env(), read(r.data()),
                    r.correctsId() == null ? null : new Corrects(r.correctsSource(), r.correctsId()), r.ingestedAt()));
        }
        String next = null;
        if (more) {
            EventLogStore.Row last = shown.get(shown.size() - 1);
            next = Base64.getUrlEncoder().withoutPadding().encodeToString((last.time() + "|" + last.seq()).getBytes(StandardCharsets.UTF_8));
        }
        return PageResponse.of(data, next);
    }

    private JsonNode read(String s) {
        try {
            return json.readTree(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant instant(String field, String value, List<FieldError> errors) {
        Instant i = Rfc3339.parse(value.trim());
        if (i == null) {
            errors.add(new FieldError(field, "is not an RFC 3339 instant"));
        }
        return i;
    }
}
