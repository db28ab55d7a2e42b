package dev.apimon.key.subscriptions.api;

import dev.apimon.key.idempotency.store.IdempotencyStore;
import dev.apimon.key.keys.domain.KeyService.Actor;
import dev.apimon.key.subscriptions.domain.HistoryEntry;
import dev.apimon.key.subscriptions.domain.PlanChangeTiming;
import dev.apimon.key.subscriptions.domain.SubscriptionService;
import dev.apimon.key.subscriptions.domain.SubscriptionView;
import dev.apimon.platform.json.InputBounds;
import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import io.quarkus.security.Authenticated;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

/**
 * A customer's subscription. Changes are for platform admins (customer tokens get 403: plan changes are not
 * self-service yet); reads are for admins and the customer itself (another customer's answers 404).
 */
@Path("/v1/customers/{id}/subscription")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Authenticated
public class SubscriptionResource {
    private static final int MAX_REASON = 200;
    private final SubscriptionService subscriptions;
    private final Caller caller;
    private final IdempotencyStore idempotency;
    private final com.fasterxml.jackson.databind.ObjectMapper json;

    public SubscriptionResource(SubscriptionService subscriptions, Caller caller, IdempotencyStore idempotency,
                                com.fasterxml.jackson.databind.ObjectMapper json) {
        this.subscriptions = subscriptions;
        this.caller = caller;
        this.idempotency = idempotency;
        this.json = json;
    }

    public record AssignRequest(String planCode, Integer planVersion, String startAt) {
    }

    public record ChangeRequest(String planCode, Integer planVersion, String effective) {
    }

    public record CancelRequest(Boolean atPeriodEnd) {
    }

    public record SuspendRequest(String reason) {
    }

    @POST
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Assign a plan version", description = "plan_version defaults to the latest published version; start_at "
            + "(RFC 3339, default now, may be in the past) anchors the monthly periods. Publishes com.apimon.subscription.created. "
            + "Accepts Idempotency-Key.")
    public Response assign(@PathParam("id") String customerId, AssignRequest body, @HeaderParam(IdempotencyStore.HEADER) String key,
                           @Context HttpServerRequest http) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON body with plan_code is required");
        }
        Instant startAt = instant("start_at", body.startAt());
        IdempotencyStore.Request idem = idempotency.request(caller.name() + " POST /v1/customers/" + customerId + "/subscription", key,
                fingerprint("plan_code", body.planCode(), "plan_version", body.planVersion(), "start_at", startAt));
        SubscriptionService.Outcome out = subscriptions.assign(customerId,
                new SubscriptionService.Assign(body.planCode(), body.planVersion(), startAt), actor(http), idem);
        return respond(out, 201);
    }

    @GET
    @Operation(summary = "The customer's current subscription", description = "Periods are monthly from period_anchor, [start, end) in UTC.")
    public SubscriptionView get(@PathParam("id") String customerId) throws SQLException {
        caller.requireAccessTo("subscription of customer", customerId);
        return subscriptions.current(customerId).orElseThrow(() -> ProblemException.notFound("subscription of customer", customerId));
    }

    @GET
    @Path("/history")
    @Operation(summary = "Append-only history of the customer's subscriptions", description = "Each change: action, actor, source, "
            + "details and the subscription after it; cursor-paginated.")
    public PageResponse<HistoryEntry> history(@PathParam("id") String customerId, @QueryParam("limit") String limit,
                                              @QueryParam("cursor") String cursor) throws SQLException {
        caller.requireAccessTo("subscription of customer", customerId);
        PageRequest page = PageRequest.of(limit, cursor);
        long after;
        try {
            after = page.cursor() == null ? 0 : Long.parseLong(page.cursor());
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("cursor", "is not a cursor this API returned");
        }
        List<HistoryEntry> rows = subscriptions.history(customerId, after, page.limit() + 1);
        boolean more = rows.size() > page.limit();
        List<HistoryEntry> data = more ? rows.subList(0, page.limit()) : rows;
        return PageResponse.of(data, more ? String.valueOf(data.get(data.size() - 1).seq()) : null);
    }

    @POST
    @Path("/change")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Change the plan", description = "effective=now (upgrade: applies at once, changed_at records when) or "
            + "period_end (downgrade: scheduled_change at current_period_end). Default: now when the new fee is not lower, else "
            + "period_end. Accepts Idempotency-Key.")
    public Response change(@PathParam("id") String customerId, ChangeRequest body, @HeaderParam(IdempotencyStore.HEADER) String key,
                           @Context HttpServerRequest http) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON body with plan_code is required");
        }
        PlanChangeTiming.Effective effective = null;
        if (body.effective() != null) {
            effective = switch (body.effective()) {
                case "now" -> PlanChangeTiming.Effective.NOW;
                case "period_end" -> PlanChangeTiming.Effective.PERIOD_END;
                default -> throw ProblemException.invalid("effective", "must be now or period_end");
            };
        }
        IdempotencyStore.Request idem = idempotency.request(caller.name() + " POST /v1/customers/" + customerId + "/subscription/change",
                key, fingerprint("plan_code", body.planCode(), "plan_version", body.planVersion(), "effective", body.effective()));
        return respond(subscriptions.changePlan(customerId, new SubscriptionService.Change(body.planCode(), body.planVersion(), effective),
                actor(http), idem), 200);
    }

    @DELETE
    @Path("/scheduled-change")
    @RolesAllowed(Caller.ADMIN)
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Drop the scheduled plan change")
    public SubscriptionView unschedule(@PathParam("id") String customerId, @Context HttpServerRequest http) throws SQLException {
        return subscriptions.unscheduleChange(customerId, actor(http));
    }

    @POST
    @Path("/cancel")
    @RolesAllowed(Caller.ADMIN)
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Cancel", description = "at_period_end (default true): keeps working until current_period_end; false: now.")
    public SubscriptionView cancel(@PathParam("id") String customerId,
                                   @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                           schema = @Schema(implementation = CancelRequest.class))) String raw, @Context HttpServerRequest http) throws Exception {
        CancelRequest body = optionalBody(raw, CancelRequest.class);
        boolean atPeriodEnd = body == null || body.atPeriodEnd() == null || body.atPeriodEnd();
        return subscriptions.cancel(customerId, atPeriodEnd, actor(http));
    }

    @POST
    @Path("/reactivate")
    @RolesAllowed(Caller.ADMIN)
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Undo a cancellation at period end (before the period ends)")
    public SubscriptionView reactivate(@PathParam("id") String customerId, @Context HttpServerRequest http) throws SQLException {
        return subscriptions.reactivate(customerId, actor(http));
    }

    @POST
    @Path("/suspend")
    @RolesAllowed(Caller.ADMIN)
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Suspend", description = "quota-service answers SUSPENDED for the customer's keys until resumed. Idempotent.")
    public SubscriptionView suspend(@PathParam("id") String customerId,
                                    @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                            schema = @Schema(implementation = SuspendRequest.class))) String raw, @Context HttpServerRequest http) throws Exception {
        SuspendRequest body = optionalBody(raw, SuspendRequest.class);
        String reason = body == null || body.reason() == null || body.reason().isBlank() ? "admin" : body.reason().strip();
        if (reason.length() > MAX_REASON) {
            throw ProblemException.invalid("reason", "must be at most " + MAX_REASON + " characters");
        }
        return subscriptions.suspend(customerId, reason, actor(http));
    }

    @POST
    @Path("/resume")
    @RolesAllowed(Caller.ADMIN)
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Resume a suspended subscription. Idempotent.")
    public SubscriptionView resume(@PathParam("id") String customerId, @Context HttpServerRequest http) throws SQLException {
        return subscriptions.resume(customerId, actor(http));
    }

    /** These commands work with no body at all (curl -X POST) as well as with a JSON one. */
    private <T> T optionalBody(String raw, Class<T> type) throws com.fasterxml.jackson.core.JsonProcessingException {
        return raw == null || raw.isBlank() ? null : json.readValue(raw, type);
    }

    static Response respond(SubscriptionService.Outcome out, int status) {
        if (out.replay() != null) {
            return Response.status(out.replay().status()).entity(out.replay().body()).type(MediaType.APPLICATION_JSON)
                    .header("Idempotent-Replayed", "true").build();
        }
        return Response.status(status).entity(out.view()).build();
    }

    private Actor actor(HttpServerRequest http) {
        String forwarded = http.getHeader("X-Forwarded-For");
        String ip = forwarded != null ? forwarded.split(",")[0].strip()
                : http.remoteAddress() == null ? null : http.remoteAddress().hostAddress();
        return new Actor(caller.name(), ip);
    }

    private static Map<String, Object> fingerprint(Object... kv) {
        Map<String, Object> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1] == null ? null : kv[i + 1].toString());
        }
        return m;
    }

    static Instant instant(String field, String value) {
        if (value == null) {
            return null;
        }
        Instant t;
        try {
            t = Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid(field, "must be an RFC 3339 UTC time such as 2027-01-01T00:00:00Z");
        }
        if (!InputBounds.inRange(t)) { // Instant reads "+999999999-..."; JDBC cannot bind it
            throw ProblemException.invalid(field, InputBounds.INSTANT_RULE);
        }
        return t;
    }
}
