package dev.apimon.quota.limits.store;

import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.limits.domain.CircuitBreaker;
import dev.apimon.quota.limits.domain.CounterKeys;
import dev.apimon.quota.limits.domain.FailurePolicy;
import dev.apimon.quota.limits.domain.LimitRequest;
import dev.apimon.quota.limits.domain.LimitResult;
import dev.apimon.quota.limits.domain.LocalLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The limiter every check goes through: Redis with a short per-call budget behind a circuit breaker; when Redis
 * fails, times out or the circuit is open, the configured policy per limit kind answers at once (local limiter
 * or fail closed). Recovery needs no restart: the breaker's probe closes the circuit when Redis answers again, and
 * what the local limiter allowed on quotas meanwhile is then added to Redis' counters ({@link #writeBack}).
 */
@Singleton
public class ResilientLimiter {
    private static final Logger LOG = Logger.getLogger(ResilientLimiter.class);

    /** Checks per EVALSHA at most (a turn rarely has more; it bounds the script's argument count). */
    static final int MAX_BATCH = 64;
    /** Quota counters written back per sweep at most (the rest in the next sweeps). */
    static final int MAX_WRITE_BACKS = 1000;
    private static final Duration WRITE_BACK_TIMEOUT = Duration.ofSeconds(2);

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
    private final TurnBatcher<Pending> batcher;
    private final DistributionSummary batchSizes;

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
        this.batcher = new TurnBatcher<>(vertx, MAX_BATCH, this::flush);
        this.batchSizes = DistributionSummary.builder("apimon.quota.redis.batch.checks")
                .description("Checks per call to Redis (the checks one event loop read in one turn)").register(metrics);
        Gauge.builder("apimon.quota.redis.circuit.open", breaker, b -> b.state() == CircuitBreaker.State.CLOSED ? 0 : 1)
                .description("1 while the Redis circuit is open or half-open").register(metrics);
    }

    public CircuitBreaker.State circuit() {
        return breaker.state();
    }

    public Uni<LimitResult> evaluate(LimitRequest r) {
        return Uni.createFrom().emitter(em -> evaluate(r, em::complete));
    }

    /**
     * Calls {@code done} exactly once, with Redis' answer or the failure policy's (never with an error). The check
     * joins the checks that arrived on this event loop in the same turn; they go to Redis as one batch.
     */
    public void evaluate(LimitRequest r, Consumer<LimitResult> done) {
        if (r.rates().isEmpty() && !r.hasQuota() && r.idempotencyKey() == null) {
            // a plan without limits for this meter: nothing to count, nothing to ask Redis
            done.accept(new LimitResult(true, false, new long[0], 0, false, false, LimitResult.Source.REDIS, null));
            return;
        }
        batcher.submit(new Pending(r, done));
    }

    record Pending(LimitRequest request, Consumer<LimitResult> done) {
    }

    /** One batch = one call to Redis: one budget, one verdict for the circuit. Runs on the batch's event loop. */
    void flush(List<Pending> batch) {
        if (!breaker.tryAcquire()) {
            shortCircuited.increment(batch.size());
            fallBack(batch);
            return;
        }
        batchSizes.record(batch.size());
        List<LimitRequest> requests = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            requests.add(p.request());
        }
        // The answer is bounded by the time budget; the circuit is fed by what Redis does: an error, or no answer
        // at all within hung-after. A late answer (a GC pause, a starved CPU) is a success for the circuit, so
        // momentary slowness falls back per call instead of opening the circuit for everybody.
        AtomicBoolean answered = new AtomicBoolean();
        AtomicBoolean replied = new AtomicBoolean();
        long[] hungTimer = {-1};
        // what the policy answered when the budget ran out first (the timer and Redis' answer run on this event loop)
        LimitResult[] byPolicy = new LimitResult[batch.size()];
        long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> {
            if (!answered.get() && replied.compareAndSet(false, true)) {
                timeouts.increment(batch.size());
                fallBack(batch, byPolicy);
                hungTimer[0] = vertx.setTimer(hungAfterMillis, id2 -> {
                    if (answered.compareAndSet(false, true)) {
                        hung.increment(batch.size());
                        breaker.onFailure();
                        redis.abandonConnection(); // a socket that stopped answering (dead peer) never recovers
                    }
                });
            }
        });
        // a batch that waited for a new connection past its budget is not sent: it was answered by the policy
        redis.evaluate(requests, () -> !replied.get(), (results, err) -> {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(timer);
            if (hungTimer[0] >= 0) {
                vertx.cancelTimer(hungTimer[0]);
            }
            if (err == null) {
                breaker.onSuccess();
                for (int i = 0; i < results.length; i++) {
                    if (results[i] != null) {
                        local.observe(requests.get(i), results[i]);
                    }
                }
                if (replied.compareAndSet(false, true)) {
                    for (int i = 0; i < results.length; i++) {
                        Pending p = batch.get(i);
                        if (results[i] != null) {
                            answer(p, results[i]);
                        } else { // the script failed for this check alone (logged by RedisLimiter)
                            errors.increment();
                            answer(p, fallback(p.request()));
                        }
                    }
                } else {
                    // answered by the policy already, and Redis ran the checks anyway: what both allowed is counted
                    // in Redis, so the local limiter must not write it back as well
                    for (int i = 0; i < results.length; i++) {
                        if (results[i] != null && byPolicy[i] != null) {
                            local.countedByRedisToo(requests.get(i), byPolicy[i], results[i]);
                        }
                    }
                }
            } else {
                errors.increment(batch.size());
                breaker.onFailure();
                LOG.debugf("Redis limiter call failed: %s", err.toString());
                if (replied.compareAndSet(false, true)) {
                    fallBack(batch);
                }
            }
        });
    }

    private void fallBack(List<Pending> batch) {
        fallBack(batch, new LimitResult[batch.size()]);
    }

    private void fallBack(List<Pending> batch, LimitResult[] out) {
        for (int i = 0; i < batch.size(); i++) {
            out[i] = fallback(batch.get(i).request());
            answer(batch.get(i), out[i]);
        }
    }

    /** One check's callback failing must not leave the rest of its batch unanswered. */
    private static void answer(Pending p, LimitResult r) {
        try {
            p.done().accept(r);
        } catch (RuntimeException e) {
            LOG.errorf(e, "answering a check failed");
        }
    }

    LimitResult fallback(LimitRequest r) {
        String denying = FailurePolicy.denyingKind(!r.rates().isEmpty(), r.hasQuota(), ratePolicy, quotaPolicy);
        if (denying != null) {
            return closed(r, denying);
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
        int dropped = local.evictExpired(clock.millis() * 1000);
        if (dropped > 0) {
            LOG.warnf("gave up writing back locally allowed quota units of %d counters (more than the local limiter keeps);"
                    + " Redis' counters miss them", dropped);
        }
    }

    /** A replica that stops (scaled down after an outage) writes back what it still holds, if Redis answers. */
    void writeBackOnStop(@Observes ShutdownEvent ev) {
        writeBack(true);
    }

    /**
     * Adds to Redis' quota counters what the local limiter allowed while Redis was unavailable (fail-open quotas), once
     * the circuit is closed again: one write-back per counter, removed only when Redis has acknowledged it; one that
     * fails stays and is resent (with the same marker, so it is added once) by a later sweep. Rate limits need none:
     * their state recovers by itself within a window.
     */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void writeBack() {
        writeBack(false);
    }

    /**
     * With the circuit not closed, the sweep probes Redis itself (when the breaker allows a probe, or when the replica
     * stops): a replica that gets no checks after the outage (drained, then stopped) would otherwise never close it
     * and keep its units.
     */
    void writeBack(boolean stopping) {
        if (!local.hasWriteBacks()) {
            return;
        }
        boolean probing = breaker.state() != CircuitBreaker.State.CLOSED;
        if (probing && !breaker.tryAcquire() && !stopping) {
            return;
        }
        Instant now = clock.instant();
        // units allowed within hung-after are left for a later sweep: Redis may still answer the checks they stand for
        // (late, after the budget), and such an answer takes its unit out of the write-back (countedByRedisToo)
        List<LocalLimiter.WriteBack> due = local.takeWriteBacks(MAX_WRITE_BACKS, now, CounterKeys.QUOTA_GRACE_MILLIS,
                stopping ? 0 : hungAfterMillis * 1000);
        long units = 0;
        int written = 0;
        for (int i = 0; i < due.size(); i++) {
            LocalLimiter.WriteBack w = due.get(i);
            try {
                Long counter = redis.writeBack(w, now.toEpochMilli()).await().atMost(WRITE_BACK_TIMEOUT);
                local.writtenBack(w, counter == null ? 0 : counter);
                units += w.amount();
                written++;
                if (probing) {
                    breaker.onSuccess();
                    probing = false;
                }
            } catch (RuntimeException e) {
                local.writeBackFailed(w);
                if (probing) {
                    breaker.onFailure();
                    probing = false;
                }
                LOG.debugf("quota write-back to %s not acknowledged (%s); resent later", w.counterKey(), e.toString());
                if (e instanceof io.smallrye.mutiny.TimeoutException || breaker.state() != CircuitBreaker.State.CLOSED) {
                    // Redis is not answering (again): leave the rest for a later sweep instead of waiting for each
                    for (int j = i + 1; j < due.size(); j++) {
                        local.writeBackFailed(due.get(j));
                    }
                    break;
                }
            }
        }
        if (written > 0) {
            LOG.infof("wrote back %d quota units allowed locally during a Redis outage to %d counters", units, written);
        }
    }
}
