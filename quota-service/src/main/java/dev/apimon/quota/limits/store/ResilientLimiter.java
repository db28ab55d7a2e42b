package dev.apimon.quota.limits.store;

import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.limits.domain.CircuitBreaker;
import dev.apimon.quota.limits.domain.FailurePolicy;
import dev.apimon.quota.limits.domain.LimitRequest;
import dev.apimon.quota.limits.domain.LimitResult;
import dev.apimon.quota.limits.domain.LocalLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The limiter every check goes through: Redis with a short per-call budget behind a circuit breaker; when Redis
 * fails, times out or the circuit is open, the configured policy per limit kind answers at once (local limiter
 * or fail closed). Recovery needs no restart: the breaker's probe closes the circuit when Redis answers again.
 */
@Singleton
public class ResilientLimiter {
    private static final Logger LOG = Logger.getLogger(ResilientLimiter.class);

    private static final TimeoutException TIMEOUT = new TimeoutException("Redis did not answer within the budget");

    private final RedisLimiter redis;
    private final Vertx vertx;
    private final LocalLimiter local = new LocalLimiter();
    private final CircuitBreaker breaker;
    private final Duration timeout;
    private final FailurePolicy ratePolicy;
    private final FailurePolicy quotaPolicy;
    private final Clock clock;
    private final Counter timeouts;
    private final Counter errors;
    private final Counter hung;
    private final long hungAfterMillis;
    private final Counter shortCircuited;
    private final Counter fallbackLocal;
    private final Counter fallbackClosed;

    public ResilientLimiter(RedisLimiter redis, Vertx vertx, QuotaConfig config, MeterRegistry metrics, Clock clock) {
        this.redis = redis;
        this.vertx = vertx;
        this.clock = clock;
        this.timeout = config.redis().timeout();
        this.ratePolicy = config.failure().rate();
        this.quotaPolicy = config.failure().quota();
        this.breaker = new CircuitBreaker(config.redis().failureThreshold(), config.redis().openFor().toNanos(), System::nanoTime,
                state -> {
                    if (state == CircuitBreaker.State.OPEN) {
                        LOG.warnf("Redis unavailable: limiter circuit OPEN; answering by policy (rate=%s, quota=%s)", ratePolicy, quotaPolicy);
                    } else if (state == CircuitBreaker.State.CLOSED) {
                        LOG.info("Redis answers again: limiter circuit CLOSED");
                    }
                });
        this.timeouts = Counter.builder("apimon.quota.redis.failures").tag("reason", "timeout")
                .description("Limiter calls to Redis that failed").register(metrics);
        this.errors = Counter.builder("apimon.quota.redis.failures").tag("reason", "error").register(metrics);
        this.hung = Counter.builder("apimon.quota.redis.failures").tag("reason", "no_answer").register(metrics);
        this.hungAfterMillis = Math.max(timeout.toMillis(), config.redis().hungAfter().toMillis());
        this.shortCircuited = Counter.builder("apimon.quota.redis.failures").tag("reason", "circuit_open").register(metrics);
        this.fallbackLocal = Counter.builder("apimon.quota.degraded.decisions").tag("policy", "open")
                .description("Checks decided without Redis, by failure policy").register(metrics);
        this.fallbackClosed = Counter.builder("apimon.quota.degraded.decisions").tag("policy", "closed").register(metrics);
        Gauge.builder("apimon.quota.redis.circuit.open", breaker, b -> b.state() == CircuitBreaker.State.CLOSED ? 0 : 1)
                .description("1 while the Redis circuit is open or half-open").register(metrics);
    }

    public CircuitBreaker.State circuit() {
        return breaker.state();
    }

    public Uni<LimitResult> evaluate(LimitRequest r) {
        return Uni.createFrom().emitter(em -> evaluate(r, em::complete));
    }

    /** Calls {@code done} exactly once, with Redis' answer or the failure policy's (never with an error). */
    public void evaluate(LimitRequest r, Consumer<LimitResult> done) {
        if (r.rates().isEmpty() && !r.hasQuota() && r.idempotencyKey() == null) {
            // a plan without limits for this meter: nothing to count, nothing to ask Redis
            done.accept(new LimitResult(true, false, new long[0], 0, false, false, LimitResult.Source.REDIS, null));
            return;
        }
        if (!breaker.tryAcquire()) {
            shortCircuited.increment();
            done.accept(fallback(r));
            return;
        }
        // The answer is bounded by the time budget; the circuit is fed by what Redis does: an error, or no answer
        // at all within hung-after. A late answer (a GC pause, a starved CPU) is a success for the circuit, so
        // momentary slowness falls back per call instead of opening the circuit for everybody.
        AtomicBoolean answered = new AtomicBoolean();
        AtomicBoolean replied = new AtomicBoolean();
        long[] hungTimer = {-1};
        long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> {
            if (!answered.get() && replied.compareAndSet(false, true)) {
                timeouts.increment();
                done.accept(fallback(r));
                hungTimer[0] = vertx.setTimer(hungAfterMillis, id2 -> {
                    if (answered.compareAndSet(false, true)) {
                        hung.increment();
                        breaker.onFailure();
                    }
                });
            }
        });
        redis.evaluate(r, (res, err) -> {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(timer);
            if (hungTimer[0] >= 0) {
                vertx.cancelTimer(hungTimer[0]);
            }
            if (err == null) {
                breaker.onSuccess();
                local.observe(r, res);
                if (replied.compareAndSet(false, true)) {
                    done.accept(res);
                }
            } else {
                errors.increment();
                breaker.onFailure();
                LOG.debugf("Redis limiter call failed: %s", err.toString());
                if (replied.compareAndSet(false, true)) {
                    done.accept(fallback(r));
                }
            }
        });
    }

    LimitResult fallback(LimitRequest r) {
        if (!r.rates().isEmpty() && ratePolicy == FailurePolicy.CLOSED) {
            return closed(r, "rate");
        }
        if (r.hasQuota() && quotaPolicy == FailurePolicy.CLOSED) {
            return closed(r, "quota");
        }
        fallbackLocal.increment();
        return local.evaluate(r);
    }

    private LimitResult closed(LimitRequest r, String kind) {
        fallbackClosed.increment();
        return new LimitResult(false, false, new long[r.rates().size()], 0, false, false, LimitResult.Source.CLOSED, kind);
    }

    /** Loads the script and opens pool connections before traffic, so first checks do not pay for it. */
    void warmUp(@Observes StartupEvent ev) {
        redis.loadScript().subscribe().with(x -> LOG.debug("limiter script loaded"),
                e -> LOG.infof("limiter script not loaded at start (%s); it is loaded on first use", e.toString()));
    }

    @Scheduled(every = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void evictLocalState() {
        local.evictExpired(clock.millis() * 1000);
    }
}
