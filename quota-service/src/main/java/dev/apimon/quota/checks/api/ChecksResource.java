package dev.apimon.quota.checks.api;

import dev.apimon.platform.problem.Problem;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.checks.domain.CheckCommand;
import dev.apimon.quota.checks.domain.CheckService;
import dev.apimon.quota.checks.domain.Decision;
import dev.apimon.quota.checks.domain.RateLimitHeaders;
import dev.apimon.quota.checks.messaging.UsagePublisher;
import dev.apimon.quota.limits.domain.Operation;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * {@code POST /v1/checks}: may this key make this call? Always 200 with the decision in the body (bad input is a
 * 400 problem). Runs on the event loop end to end: the view is in memory and Redis is called asynchronously.
 */
@Path("/v1/checks")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ChecksResource {
    private final CheckService service;
    private final QuotaConfig config;

    public ChecksResource(CheckService service, QuotaConfig config) {
        this.service = service;
        this.config = config;
    }

    @POST
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Check a request against its key, plan and limits",
            description = "Decides key validity, entitlements, rate limits and the meter's quota together; a denied check consumes nothing. "
                    + "With record=true an allowed check also emits a usage event whose id is the request id.")
    public Uni<Response> check(CheckRequest body, @HeaderParam("X-Request-Id") String requestIdHeader,
                               @Parameter(description = "also answer with RateLimit/X-RateLimit/Retry-After headers")
                               @QueryParam("headers") boolean withHeaders) {
        long start = System.nanoTime();
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON object is required");
        }
        CheckCommand cmd = body.validate(requestIdHeader, config.defaultMeter(), config.usage().defaultType(), config.maxCost());
        Operation op = parseOperation(cmd.operation(), "operation");
        Uni<Response> answer = service.check(cmd, op).map(d -> respond(d, withHeaders, start));
        return cmd.record()
                ? answer.onFailure(UsagePublisher.UsageNotRecordedException.class).recoverWithItem(ChecksResource::usageNotRecorded)
                : answer;
    }

    private static Response respond(Decision d, boolean withHeaders, long start) {
        Response.ResponseBuilder b = Response.ok(CheckResponse.of(d)).header("Server-Timing", serverTiming(start));
        if (withHeaders) {
            for (Map.Entry<String, String> h : RateLimitHeaders.of(d).entrySet()) {
                b.header(h.getKey(), h.getValue());
            }
        }
        return b.build();
    }

    /** W3C Server-Timing: the service's own share of the gateway's latency, in milliseconds. */
    public static String serverTiming(long startNanos) {
        long micros = (System.nanoTime() - startNanos) / 1000;
        long frac = micros % 1000;
        return "quota;dur=" + micros / 1000 + (frac < 10 ? ".00" : frac < 100 ? ".0" : ".") + frac;
    }

    public static Operation parseOperation(String text, String field) {
        try {
            return Operation.parse(text);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid(field, e.getMessage());
        }
    }

    /** The check was allowed and counted but its usage event is not durable: the caller retries with the same id. */
    public static Response usageNotRecorded(Throwable e) {
        Problem p = Problem.of(503, "USAGE_NOT_RECORDED", "Service unavailable",
                "the usage event could not be written; retry the check with the same request id (it will not be counted twice)",
                List.of());
        return Response.status(503).type(Problem.MEDIA_TYPE).header("Retry-After", "1").entity(p).build();
    }
}
