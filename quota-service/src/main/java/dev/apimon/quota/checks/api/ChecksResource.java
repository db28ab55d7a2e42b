package dev.apimon.quota.checks.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.problem.Problem;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.checks.domain.CheckCommand;
import dev.apimon.quota.checks.domain.CheckService;
import dev.apimon.quota.checks.domain.Decision;
import dev.apimon.quota.checks.domain.RateLimitHeaders;
import dev.apimon.quota.checks.domain.ViewNotLoadedException;
import dev.apimon.quota.checks.messaging.UsagePublisher;
import dev.apimon.quota.limits.domain.Operation;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * {@code POST /v1/checks}: may this key make this call? Always 200 with the decision in the body (bad input is a
 * 400 problem). This is on every API request's path, so it is a plain Vert.x route on the event loop rather than a
 * JAX-RS method: no RESTEasy handler chain, no databinding, no context-propagation wrappers, no per-request
 * security/OIDC handlers (the endpoint takes no token: the API key is the credential), and one callback from the
 * Redis answer to the written response. Profiling showed those layers at about 80% of a check's CPU time. The
 * OpenAPI description is in {@code META-INF/openapi.yaml}.
 */
@Singleton
public class ChecksResource {
    private static final Logger LOG = Logger.getLogger(ChecksResource.class);
    /** Before Quarkus' filters (security, OIDC, the JAX-RS router), after its header and start-time handlers. */
    static final int ROUTE_ORDER = Integer.MIN_VALUE + 100;
    /** A check is a few hundred bytes; usage {@code data} may add some (a Kafka record is at most 1 MiB anyway). */
    static final long MAX_BODY = 1024 * 1024;
    /** A recorded check's data becomes a usage event's data, which usage-service takes up to 256 KiB of. */
    static final long MAX_RECORDED_BODY = 256 * 1024;

    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json;charset=UTF-8");
    private static final CharSequence PROBLEM_JSON = HttpHeaders.createOptimized(Problem.MEDIA_TYPE);
    private static final CharSequence SERVER_TIMING = HttpHeaders.createOptimized("Server-Timing");

    private final CheckService service;
    private final QuotaConfig config;
    private final ObjectMapper mapper;
    private final Timer answered;

    public ChecksResource(CheckService service, QuotaConfig config, ObjectMapper mapper, MeterRegistry metrics) {
        this.service = service;
        this.config = config;
        this.mapper = mapper;
        // one timer built once, instead of Quarkus' per-request HTTP server timer for this route (tags built and
        // the meter looked up on every request: ~10% of a check's CPU; application.properties ignores the route)
        this.answered = Timer.builder("apimon.quota.check.duration")
                .description("Time from a check's request to its decision being written, decisions only (not 4xx/5xx)")
                // a few fixed buckets, for the check's latency objective (2 ms), the Redis budget (20 ms) and the
                // outage goal (50 ms): "what share of checks took longer" without a full percentile histogram
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
                        Duration.ofMillis(20), Duration.ofMillis(50))
                .register(metrics);
    }

    void routes(@Observes Router router) {
        router.post("/v1/checks").order(ROUTE_ORDER).handler(this::handle);
    }

    void handle(RoutingContext rc) {
        long start = System.nanoTime();
        HttpServerRequest req = rc.request();
        String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type != null && !type.contains("json")) {
            problem(rc, Problem.of(415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type", "send application/json", List.of()));
            return;
        }
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && tooLong(length)) {
            problem(rc, Problem.of(413, "PAYLOAD_TOO_LARGE", "Payload Too Large", "a check body is at most " + MAX_BODY + " bytes", List.of()));
            return;
        }
        req.body().onComplete(ar -> {
            if (ar.failed()) {
                rc.fail(ar.cause());
                return;
            }
            try {
                check(rc, ar.result(), start);
            } catch (ProblemException e) {
                problem(rc, e.toProblem());
            } catch (RuntimeException e) {
                internal(rc, e);
            }
        });
        req.resume(); // Quarkus hands routes a paused request (it is resumed by whoever reads the body)
    }

    private void check(RoutingContext rc, Buffer body, long start) {
        if (body.length() > MAX_BODY) { // chunked bodies have no Content-Length to refuse up front
            throw new ProblemException(413, "PAYLOAD_TOO_LARGE", "Payload Too Large", "a check body is at most " + MAX_BODY + " bytes", List.of());
        }
        HttpServerRequest req = rc.request();
        CheckCommand cmd = read(body)
                .validate(req.getHeader("X-Request-Id"), config.defaultMeter(), config.usage().defaultType(), config.maxCost());
        if (cmd.record() && body.length() > MAX_RECORDED_BODY) {
            // refused before anything is counted: Kafka would refuse the event for good, and every retry with it
            throw ProblemException.invalid("data", "a recorded check's body is at most " + MAX_RECORDED_BODY
                    + " bytes: its data becomes the usage event's data");
        }
        Operation op = parseOperation(cmd.operation(), "operation");
        boolean withHeaders = req.query() != null && "true".equalsIgnoreCase(req.getParam("headers"));
        service.check(cmd, op, (d, err) -> {
            if (err == null) {
                respond(rc, d, withHeaders, start);
                answered.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            } else if (err instanceof UsagePublisher.UsageNotRecordedException) {
                rc.response().putHeader("Retry-After", "1");
                problem(rc, usageNotRecordedProblem());
            } else if (err instanceof ViewNotLoadedException) {
                rc.response().putHeader("Retry-After", "1");
                problem(rc, notLoadedProblem());
            } else {
                internal(rc, err);
            }
        });
    }

    private CheckRequest read(Buffer body) {
        ByteBuf bytes = body.getByteBuf();
        if (bytes.hasArray()) { // the usual heap buffer: parse it in place instead of copying it out first
            return CheckJson.read(mapper, bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes());
        }
        return CheckJson.read(mapper, body.getBytes());
    }

    private static void respond(RoutingContext rc, Decision d, boolean withHeaders, long start) {
        HttpServerResponse res = rc.response();
        MultiMap h = res.headers();
        h.set(HttpHeaders.CONTENT_TYPE, JSON);
        if (withHeaders) {
            for (Map.Entry<String, String> e : RateLimitHeaders.of(d).entrySet()) {
                h.set(e.getKey(), e.getValue());
            }
        }
        Buffer json = CheckJson.write(d);
        h.set(SERVER_TIMING, serverTiming(start));
        res.end(json);
    }

    private void problem(RoutingContext rc, Problem p) {
        HttpServerResponse res = rc.response();
        if (res.ended()) {
            return;
        }
        res.setStatusCode(p.status()).putHeader(HttpHeaders.CONTENT_TYPE, PROBLEM_JSON).end(Buffer.buffer(CheckJson.problem(mapper, p)));
    }

    /** As platform-common's mapper answers an unexpected failure: logged with a reference, no details to the client. */
    private void internal(RoutingContext rc, Throwable e) {
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(e, "unhandled error %s", errorId);
        problem(rc, Problem.of(500, "INTERNAL_ERROR", "Internal error", "an unexpected error occurred; reference " + errorId, List.of()));
    }

    private static boolean tooLong(String contentLength) {
        try {
            return Long.parseLong(contentLength.strip()) > MAX_BODY;
        } catch (NumberFormatException e) {
            return false; // Vert.x' HTTP decoder has already refused a malformed Content-Length
        }
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

    private static Problem usageNotRecordedProblem() {
        return Problem.of(503, "USAGE_NOT_RECORDED", "Service unavailable",
                "the usage event could not be written; retry the check with the same request id (it will not be counted twice)",
                List.of());
    }

    private static Problem notLoadedProblem() {
        return Problem.of(503, "NOT_READY", "Service unavailable",
                "this replica is still loading the keys, subscriptions and plans; retry shortly", List.of());
    }

    /** Before the view is loaded every key would look unknown: no answer rather than a wrong one. */
    public static Response notLoaded(Throwable e) {
        return Response.status(503).type(Problem.MEDIA_TYPE).header("Retry-After", "1").entity(notLoadedProblem()).build();
    }

    /** The check was allowed and counted but its usage event is not durable: the caller retries with the same id. */
    public static Response usageNotRecorded(Throwable e) {
        return Response.status(503).type(Problem.MEDIA_TYPE).header("Retry-After", "1").entity(usageNotRecordedProblem()).build();
    }
}
