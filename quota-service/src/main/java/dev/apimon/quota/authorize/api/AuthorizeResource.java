package dev.apimon.quota.authorize.api;

import dev.apimon.platform.problem.ProblemException;
import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.authorize.domain.GatewayRequest;
import dev.apimon.quota.checks.api.CheckRequest;
import dev.apimon.quota.checks.api.CheckResponse;
import dev.apimon.quota.checks.api.ChecksResource;
import dev.apimon.quota.checks.domain.CheckCommand;
import dev.apimon.quota.checks.domain.CheckService;
import dev.apimon.quota.checks.domain.Decision;
import dev.apimon.quota.checks.domain.DecisionCode;
import dev.apimon.quota.checks.domain.RateLimitHeaders;
import dev.apimon.quota.checks.domain.ViewNotLoadedException;
import dev.apimon.quota.checks.messaging.UsagePublisher;
import dev.apimon.quota.limits.domain.Operation;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * {@code GET /v1/authorize}: the check as a forward-auth target (nginx auth_request, Traefik ForwardAuth, Envoy
 * ext_authz). The decision is the status: 200 allowed, 401 bad key, 403 not entitled or suspended, 429 limited;
 * the upstream gets {@code X-Customer-Id}. Cost, meter and recording come from what the gateway configuration
 * fixes — query parameters of the authorization URL (nginx, Traefik) or headers Envoy adds — never from the client.
 */
@Path("/v1/authorize")
@Produces(MediaType.APPLICATION_JSON)
public class AuthorizeResource {
    private final CheckService service;
    private final QuotaConfig config;

    public AuthorizeResource(CheckService service, QuotaConfig config) {
        this.service = service;
        this.config = config;
    }

    /** Envoy sets these with {@code authorization_request.headers_to_add}: the query string there is the client's. */
    public static final String COST_HEADER = "X-Apimon-Cost";
    public static final String METER_HEADER = "X-Apimon-Meter";
    public static final String RECORD_HEADER = "X-Apimon-Record";
    private static final String ENVOY_PREFIX = "/v1/authorize/";

    @GET
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Forward-auth check for gateways",
            description = "Key from Authorization: Bearer or X-API-Key; operation from X-Original-Method + X-Original-URI "
                    + "(or X-Forwarded-Method + X-Forwarded-Uri). 200/401/403/429 with RateLimit headers and X-Customer-Id.")
    public Uni<Response> authorize(@Context HttpHeaders headers,
                                   @Parameter(description = "units this request costs (default 1)") @QueryParam("cost") String cost,
                                   @Parameter(description = "quota meter (default api_calls)") @QueryParam("meter") String meter,
                                   @Parameter(description = "emit a usage event (id = X-Request-Id): true or false") @QueryParam("record") String record) {
        String opText = GatewayRequest.operation(headers.getHeaderString("X-Original-Method"), headers.getHeaderString("X-Original-URI"),
                headers.getHeaderString("X-Forwarded-Method"), headers.getHeaderString("X-Forwarded-Uri"));
        return handle(headers, opText, cost(cost, "cost"), meter, flag(record, "record"));
    }

    // Envoy ext_authz (HTTP service) calls <path_prefix><original path and query> with the original method. The
    // operation is that method and path, nothing else; the query string is the client's, so cost, meter and
    // recording come from headers the Envoy configuration adds (never forwarded from the client by default).
    @GET
    @Path("{path: .+}")
    public Uni<Response> envoyGet(@Context HttpHeaders h, @Context HttpServerRequest request) {
        return envoy(h, "GET", request);
    }

    @POST
    @Path("{path: .+}")
    public Uni<Response> envoyPost(@Context HttpHeaders h, @Context HttpServerRequest request) {
        return envoy(h, "POST", request);
    }

    @PUT
    @Path("{path: .+}")
    public Uni<Response> envoyPut(@Context HttpHeaders h, @Context HttpServerRequest request) {
        return envoy(h, "PUT", request);
    }

    @PATCH
    @Path("{path: .+}")
    public Uni<Response> envoyPatch(@Context HttpHeaders h, @Context HttpServerRequest request) {
        return envoy(h, "PATCH", request);
    }

    @DELETE
    @Path("{path: .+}")
    public Uni<Response> envoyDelete(@Context HttpHeaders h, @Context HttpServerRequest request) {
        return envoy(h, "DELETE", request);
    }

    // without it the framework would answer OPTIONS itself (200 + Allow): Envoy would let any OPTIONS through keyless
    @OPTIONS
    @Path("{path: .+}")
    public Uni<Response> envoyOptions(@Context HttpHeaders h, @Context HttpServerRequest request) {
        return envoy(h, "OPTIONS", request);
    }

    // The path as Envoy sent it, still percent-encoded: Operation decodes each segment once. The framework's path
    // parameter is already decoded, and decoding it again would turn "%252e%252e" into "..": a path the upstream
    // serves under /admin would be checked as one under /pets.
    private Uni<Response> envoy(HttpHeaders h, String method, HttpServerRequest request) {
        String raw = request.path();
        int at = raw.indexOf(ENVOY_PREFIX);
        String path = at < 0 ? raw : raw.substring(at + ENVOY_PREFIX.length() - 1);
        return handle(h, method + " " + path, cost(h.getHeaderString(COST_HEADER), COST_HEADER), h.getHeaderString(METER_HEADER),
                flag(h.getHeaderString(RECORD_HEADER), RECORD_HEADER));
    }

    static BigDecimal cost(String text, String field) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw ProblemException.invalid(field, "must be a number, e.g. 1 or 2.5");
        }
    }

    static boolean flag(String text, String field) {
        if (text == null || text.isBlank() || text.strip().equalsIgnoreCase("false")) {
            return false;
        }
        if (text.strip().equalsIgnoreCase("true")) {
            return true;
        }
        throw ProblemException.invalid(field, "must be true or false");
    }

    private Uni<Response> handle(HttpHeaders h, String opText, BigDecimal cost, String meter, boolean record) {
        long start = System.nanoTime();
        if (opText == null) {
            throw ProblemException.invalid("X-Original-URI",
                    "the gateway must send X-Original-Method + X-Original-URI (or X-Forwarded-Method + X-Forwarded-Uri)");
        }
        Operation op = ChecksResource.parseOperation(opText, "X-Original-URI");
        String key = GatewayRequest.key(h.getHeaderString(HttpHeaders.AUTHORIZATION), h.getHeaderString("X-API-Key"));
        if (key == null) {
            return Uni.createFrom().item(respond(Decision.refused(DecisionCode.INVALID_KEY,
                    "no API key: send Authorization: Bearer <key> or X-API-Key"), start));
        }
        CheckCommand cmd = new CheckRequest(key, opText, cost, meter, record, null, null, null)
                .validate(h.getHeaderString("X-Request-Id"), config.defaultMeter(), config.usage().defaultType(), config.maxCost());
        Uni<Response> answer = service.check(cmd, op).map(d -> respond(d, start))
                .onFailure(ViewNotLoadedException.class).recoverWithItem(ChecksResource::notLoaded);
        return cmd.record()
                ? answer.onFailure(UsagePublisher.UsageNotRecordedException.class).recoverWithItem(ChecksResource::usageNotRecorded)
                : answer;
    }

    static Response respond(Decision d, long start) {
        Response.ResponseBuilder b = Response.status(d.code().httpStatus()).entity(CheckResponse.of(d))
                .header("Server-Timing", ChecksResource.serverTiming(start))
                .header("Cache-Control", "no-store")
                .header("X-Apimon-Code", d.code().name());
        for (Map.Entry<String, String> e : RateLimitHeaders.of(d).entrySet()) {
            b.header(e.getKey(), e.getValue());
        }
        if (d.customerId() != null) {
            b.header("X-Customer-Id", d.customerId());
        }
        if (d.keyId() != null) {
            b.header("X-Apimon-Key-Id", d.keyId());
        }
        if (d.plan() != null) {
            b.header("X-Apimon-Plan", d.plan().key());
        }
        if (d.code().httpStatus() == 401) {
            b.header("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"" + d.code().name().toLowerCase() + "\"");
        }
        return b.build();
    }
}
