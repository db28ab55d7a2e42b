package dev.apimon.key.subscriptions.api;

import dev.apimon.key.keys.domain.KeyService.Actor;
import dev.apimon.key.subscriptions.domain.SubscriptionService;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Ends grandfathering on purpose: key-service owns subscriptions, so it schedules their migration; the plan
 * versions themselves stay rating-service's.
 */
@Path("/v1/plans/{code}/versions/{version}/migrations")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PlanMigrationResource {
    private final SubscriptionService subscriptions;
    private final Caller caller;

    public PlanMigrationResource(SubscriptionService subscriptions, Caller caller) {
        this.subscriptions = subscriptions;
        this.caller = caller;
    }

    public record MigrationRequest(Integer toVersion) {
    }

    @POST
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Migrate a plan version's subscribers to a newer version", description = "Each live subscriber of "
            + "code:version gets a scheduled_change to code:to_version at the end of its current period (subscribers with another "
            + "pending change or cancellation are skipped and listed). Existing subscribers otherwise keep their version.")
    public Response migrate(@PathParam("code") String code, @PathParam("version") int version, MigrationRequest body,
                            @Context HttpServerRequest http) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("to_version", "is required");
        }
        String forwarded = http.getHeader("X-Forwarded-For");
        String ip = forwarded != null ? forwarded.split(",")[0].strip()
                : http.remoteAddress() == null ? null : http.remoteAddress().hostAddress();
        return Response.status(201).entity(subscriptions.scheduleMigration(code, version, body.toVersion(), new Actor(caller.name(), ip))).build();
    }
}
