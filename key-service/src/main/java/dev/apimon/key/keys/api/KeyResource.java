package dev.apimon.key.keys.api;

import dev.apimon.key.keys.domain.AuditEntry;
import dev.apimon.key.keys.domain.KeyService;
import dev.apimon.key.keys.domain.KeyView;
import dev.apimon.key.keys.domain.NewKey;
import dev.apimon.platform.json.InputBounds;
import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import io.quarkus.security.Authenticated;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** API keys: admins manage any customer's keys, a customer its own (the portal's keys page). */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Authenticated
public class KeyResource {
    private static final Duration MAX_GRACE = Duration.ofDays(30);
    private final KeyService keys;
    private final Caller caller;
    private final Clock clock;

    public KeyResource(KeyService keys, Caller caller, Clock clock) {
        this.keys = keys;
        this.caller = caller;
        this.clock = clock;
    }

    public record CreateKeyRequest(String name, String env, List<String> scopes, Map<String, String> metadata, String expiresAt) {
    }

    public record RotateRequest(String gracePeriod) {
    }

    @POST
    @Path("/customers/{id}/keys")
    @Operation(summary = "Issue an API key", description = "The key is in this response only; only its hash is stored.")
    public Response create(@PathParam("id") String customerId, CreateKeyRequest body, @Context HttpServerRequest http) throws SQLException {
        caller.requireAccessTo("customer", customerId);
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON body with at least a name is required");
        }
        NewKey in = NewKey.validate(body.name(), body.env(), body.scopes(), body.metadata(), instant("expires_at", body.expiresAt()),
                clock.instant());
        KeyView created = keys.create(customerId, in, actor(http));
        return Response.status(201).entity(created).build();
    }

    @GET
    @Path("/customers/{id}/keys")
    @Operation(summary = "List a customer's keys (masked)")
    public PageResponse<KeyView> list(@PathParam("id") String customerId, @QueryParam("limit") String limit,
                                      @QueryParam("cursor") String cursor) throws SQLException {
        caller.requireAccessTo("customer", customerId);
        PageRequest page = PageRequest.of(limit, cursor);
        List<KeyView> rows = keys.list(customerId, page.cursor(), page.limit() + 1);
        boolean more = rows.size() > page.limit();
        List<KeyView> data = more ? rows.subList(0, page.limit()) : rows;
        return PageResponse.of(data, more ? data.get(data.size() - 1).id() : null);
    }

    @GET
    @Path("/keys/{id}")
    @Operation(summary = "Get one key (masked)")
    public KeyView get(@PathParam("id") String keyId) throws SQLException {
        var k = keys.get(keyId);
        if (!caller.isAdmin() && caller.customerId().filter(k.customerId()::equals).isEmpty()) {
            throw ProblemException.notFound("key", keyId);
        }
        return KeyView.of(k, clock.instant(), null);
    }

    @POST
    @Path("/keys/{id}/rotate")
    @Operation(summary = "Rotate a key", description = "A new key works at once; the old one until grace_period (ISO-8601, default PT24H) ends.")
    public KeyView rotate(@PathParam("id") String keyId, RotateRequest body, @Context HttpServerRequest http) throws SQLException {
        Duration grace = Duration.ofHours(24);
        if (body != null && body.gracePeriod() != null) {
            try {
                grace = Duration.parse(body.gracePeriod());
            } catch (DateTimeParseException e) {
                throw ProblemException.invalid("grace_period", "must be an ISO-8601 duration such as PT24H");
            }
            if (grace.isNegative() || grace.compareTo(MAX_GRACE) > 0) {
                throw ProblemException.invalid("grace_period", "must be between PT0S and P30D");
            }
        }
        return keys.rotate(keyId, grace, actor(http), owner -> requireOwner(keyId, owner));
    }

    @DELETE
    @Path("/keys/{id}")
    @Operation(summary = "Revoke a key", description = "quota-service rejects it within a second (event-driven).")
    public KeyView revoke(@PathParam("id") String keyId, @Context HttpServerRequest http) throws SQLException {
        return keys.revoke(keyId, actor(http), owner -> requireOwner(keyId, owner));
    }

    @GET
    @Path("/customers/{id}/key-audit")
    @Operation(summary = "Audit log of a customer's key changes", description = "Append-only: who, what, when, from where.")
    public PageResponse<AuditEntry> audit(@PathParam("id") String customerId, @QueryParam("limit") String limit,
                                          @QueryParam("cursor") String cursor) throws SQLException {
        caller.requireAccessTo("customer", customerId);
        PageRequest page = PageRequest.of(limit, cursor);
        long after;
        try {
            after = page.cursor() == null ? 0 : Long.parseLong(page.cursor());
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("cursor", "is not a cursor this API returned");
        }
        List<AuditEntry> rows = keys.audit(customerId, after, page.limit() + 1);
        boolean more = rows.size() > page.limit();
        List<AuditEntry> data = more ? rows.subList(0, page.limit()) : rows;
        return PageResponse.of(data, more ? String.valueOf(data.get(data.size() - 1).seq()) : null);
    }

    private void requireOwner(String keyId, String owner) {
        if (!caller.isAdmin() && caller.customerId().filter(owner::equals).isEmpty()) {
            throw ProblemException.notFound("key", keyId);
        }
    }

    private KeyService.Actor actor(HttpServerRequest http) {
        String forwarded = http.getHeader("X-Forwarded-For");
        String ip = forwarded != null ? forwarded.split(",")[0].strip()
                : http.remoteAddress() == null ? null : http.remoteAddress().hostAddress();
        return new KeyService.Actor(caller.name(), ip);
    }

    private static Instant instant(String field, String value) {
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
