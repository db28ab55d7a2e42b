package dev.apimon.invoice.billingruns.api;

import dev.apimon.invoice.billingruns.domain.BillingRun;
import dev.apimon.invoice.billingruns.domain.BillingRunService;
import dev.apimon.invoice.billingruns.store.BillingRunStore;
import dev.apimon.invoice.subscriptions.store.SubscriptionStore;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import io.agroal.api.AgroalDataSource;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/v1/billing-runs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class BillingRunResource {
    private final BillingRunService service;
    private final BillingRunStore runs;
    private final SubscriptionStore subscriptions;
    private final AgroalDataSource db;
    private final Clock clock;

    public BillingRunResource(BillingRunService service, BillingRunStore runs, SubscriptionStore subscriptions, AgroalDataSource db, Clock clock) {
        this.service = service;
        this.runs = runs;
        this.subscriptions = subscriptions;
        this.db = db;
        this.clock = clock;
    }

    public record RunRequest(String asOf, String customerId) {
    }

    @POST
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Close everything due as of an instant",
            description = "Opening invoices, every period ended by as_of (drafts for the grace window), and every draft whose grace "
                    + "window is over — the scheduler's code path. Idempotent: a period is invoiced once, whatever runs again. "
                    + "Idempotency-Key returns the first run's result.")
    public BillingRun run(RunRequest body, @HeaderParam("Idempotency-Key") String idempotencyKey) throws SQLException {
        if (body == null || body.asOf() == null || body.asOf().isBlank()) {
            throw ProblemException.invalid("as_of", "is required (an RFC 3339 UTC instant)");
        }
        Instant asOf;
        try {
            asOf = Instant.parse(body.asOf());
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid("as_of", "must be an RFC 3339 UTC instant, e.g. 2026-12-01T00:00:00Z");
        }
        if (asOf.isAfter(clock.instant())) {
            throw ProblemException.invalid("as_of", "is in the future: only periods that have ended can be closed");
        }
        if (body.customerId() != null) {
            try (Connection c = db.getConnection()) {
                if (!subscriptions.hasAny(c, body.customerId())) {
                    throw ProblemException.notFound("subscription of customer", body.customerId());
                }
            }
        }
        return service.run(asOf, body.customerId(), "api", idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "A billing run's outcome")
    public BillingRun get(@PathParam("id") String id) throws SQLException {
        return runs.find(id).orElseThrow(() -> ProblemException.notFound("billing run", id));
    }
}
