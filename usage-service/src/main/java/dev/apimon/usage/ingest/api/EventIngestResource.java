package dev.apimon.usage.ingest.api;

import dev.apimon.platform.problem.Problem;
import dev.apimon.platform.security.Caller;
import dev.apimon.usage.config.UsageConfig;
import dev.apimon.usage.ingest.domain.IngestResult;
import dev.apimon.usage.ingest.domain.IngestService;
import dev.apimon.usage.ingest.messaging.LogUnavailableException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;

@Path("/v1/events")
public class EventIngestResource {
    public static final String CLOUDEVENT = "application/cloudevents+json";
    public static final String CLOUDEVENT_BATCH = "application/cloudevents-batch+json";
    public static final String WRITER = "usage-writer";
    private static final Logger LOG = Logger.getLogger(EventIngestResource.class);

    private final IngestService ingest;
    private final Caller caller;
    private final int retryAfter;

    public EventIngestResource(IngestService ingest, Caller caller, UsageConfig config) {
        this.ingest = ingest;
        this.caller = caller;
        this.retryAfter = config.ingest().retryAfterSeconds();
    }

    @POST
    @RolesAllowed({WRITER, Caller.ADMIN})
    @Consumes({CLOUDEVENT, CLOUDEVENT_BATCH, MediaType.APPLICATION_JSON})
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Ingest usage events", description = "One CloudEvent or a batch of up to 1000. 202 once Kafka has "
            + "committed the accepted events; duplicates of (customer, source, id) within the dedup window are counted, not "
            + "published; invalid items are rejected per index. 400 when no item is valid; 503 with Retry-After when Kafka "
            + "or the database cannot take them (then nothing of the request was accepted: retry it as is).")
    @APIResponse(responseCode = "202", description = "accepted / duplicates / rejected",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = IngestResult.class)))
    public Response ingest(byte[] body, @HeaderParam("Idempotency-Key") String idempotencyKey) throws SQLException {
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.trim();
        if (key != null && key.length() > 255) {
            throw dev.apimon.platform.problem.ProblemException.invalid("Idempotency-Key", "at most 255 characters");
        }
        try {
            IngestService.Answer a = ingest.ingest(body, caller.name(), key);
            return Response.accepted(a.body()).type(MediaType.APPLICATION_JSON).build();
        } catch (LogUnavailableException e) {
            return unavailable("LOG_UNAVAILABLE", "the event log (Kafka) did not take the events; nothing of this request "
                    + "was accepted, retry it");
        } catch (SQLException e) {
            if (!transientDatabaseFailure(e)) {
                throw e;
            }
            LOG.warnf("ingest: database unavailable: %s", e.getMessage());
            return unavailable("DATABASE_UNAVAILABLE", "the dedup ledger (PostgreSQL) is unavailable; nothing of this "
                    + "request was accepted, retry it");
        }
    }

    private Response unavailable(String code, String detail) {
        return Response.status(503).header("Retry-After", retryAfter).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(503, code, "Service unavailable", detail, List.of())).build();
    }

    /** Connection loss, server shutdown, pool exhaustion, lock/serialization conflicts: a retry can succeed. */
    static boolean transientDatabaseFailure(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("53") || state.startsWith("57")
                || state.startsWith("40");
    }
}
