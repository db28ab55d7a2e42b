package dev.apimon.rating.spend.api;

import dev.apimon.platform.json.InputBounds;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import dev.apimon.rating.spend.domain.SpendCalculator;
import dev.apimon.rating.spend.domain.SpendSnapshot;
import dev.apimon.rating.spend.store.SpendStore;
import io.agroal.api.AgroalDataSource;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class SpendResource {
    private final AgroalDataSource db;
    private final SpendCalculator calculator;
    private final SpendStore store;
    private final Caller caller;
    private final Clock clock;

    public SpendResource(AgroalDataSource db, SpendCalculator calculator, SpendStore store, Caller caller, Clock clock) {
        this.db = db;
        this.calculator = calculator;
        this.store = store;
        this.caller = caller;
        this.clock = clock;
    }

    @GET
    @Path("/customers/{id}/spend")
    @Authenticated
    @Operation(summary = "Current period spend so far", description = "The same snapshot billing.spend carries.")
    public SpendSnapshot spend(@PathParam("id") String customerId) throws SQLException {
        caller.requireAccessTo("customer", customerId);
        try (Connection c = db.getConnection()) {
            return calculator.rate(c, customerId, clock.instant())
                    .orElseThrow(() -> ProblemException.notFound("subscription of customer", customerId));
        }
    }

    @GET
    @Path("/customers/{id}/rated-periods")
    @Authenticated
    @Operation(summary = "A rated billing period", description = "The period containing start (alias period_start), rated "
            + "with all its usage; invoice-service calls this at period close, the portal's pricing calculator for the "
            + "customer's own last period. A closed period is final and repeatable: the same JSON every time, updated_at "
            + "being the period end and credits as they stood then. Credits are previewed, not burnt.")
    public SpendSnapshot ratedPeriod(@PathParam("id") String customerId, @QueryParam("start") String startParam,
                                     @QueryParam("period_start") String periodStart) throws SQLException {
        caller.requireAccessTo("customer", customerId);
        if (startParam != null && periodStart != null && !startParam.equals(periodStart)) {
            throw ProblemException.invalid("start", "and period_start name different instants; give one of them");
        }
        String field = startParam != null ? "start" : "period_start";
        String given = startParam != null ? startParam : periodStart;
        Instant now = clock.instant();
        Instant start;
        try {
            start = given == null ? now : Instant.parse(given);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid(field, "must be an RFC 3339 UTC time");
        }
        if (!InputBounds.inRange(start)) {
            throw ProblemException.invalid(field, InputBounds.INSTANT_RULE);
        }
        try (Connection c = db.getConnection()) {
            var sub = store.subscription(c, customerId).orElseThrow(() -> ProblemException.notFound("subscription of customer", customerId));
            if (start.isBefore(sub.periodAnchor())) {
                throw ProblemException.invalid(field, "is before the subscription's anchor " + sub.periodAnchor());
            }
            return calculator.ratePeriod(c, customerId, start, now)
                    .orElseThrow(() -> ProblemException.notFound("subscription of customer", customerId));
        }
    }
}
