package dev.apimon.quota.checks.domain;

import dev.apimon.platform.keys.ApiKeys;
import dev.apimon.quota.KeysConfig;
import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.alerts.messaging.AlertPublisher;
import dev.apimon.quota.checks.messaging.UsagePublisher;
import dev.apimon.quota.limits.domain.LimitResult;
import dev.apimon.quota.limits.domain.Operation;
import dev.apimon.quota.limits.store.ResilientLimiter;
import dev.apimon.quota.view.domain.QuotaView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BiConsumer;

/** Runs a check: the view decides what it can alone, Redis decides the limits, then usage and alerts go out. */
@Singleton
public class CheckService {
    private final CheckEngine engine;
    private final ResilientLimiter limiter;
    private final UsagePublisher usage;
    private final AlertPublisher alerts;
    private final Clock clock;
    private final Map<DecisionCode, Counter> decisions = new EnumMap<>(DecisionCode.class);
    private final Map<DecisionCode, Counter> degradedDecisions = new EnumMap<>(DecisionCode.class);

    public CheckService(QuotaView view, KeysConfig keys, QuotaConfig config, ResilientLimiter limiter, UsagePublisher usage,
                        AlertPublisher alerts, Clock clock, MeterRegistry metrics) {
        KeyHasher hasher = new KeyHasher(keys.pepper());
        this.engine = new CheckEngine(view, hasher::hash, ApiKeys::envOrNull, config.usage().source());
        this.limiter = limiter;
        this.usage = usage;
        this.alerts = alerts;
        this.clock = clock;
        for (DecisionCode c : DecisionCode.values()) {
            decisions.put(c, Counter.builder("apimon.quota.checks").tag("code", c.name()).tag("degraded", "false")
                    .description("Checks answered, by decision code").register(metrics));
            degradedDecisions.put(c, Counter.builder("apimon.quota.checks").tag("code", c.name()).tag("degraded", "true")
                    .register(metrics));
        }
    }

    public Uni<Decision> check(CheckCommand cmd, Operation op) {
        return Uni.createFrom().emitter(em -> check(cmd, op, (d, e) -> {
            if (e == null) {
                em.complete(d);
            } else {
                em.fail(e);
            }
        }));
    }

    /**
     * Calls {@code done} exactly once with the decision or the failure. Plain callbacks, no reactive operators:
     * this is every API request's path, and each operator (with context propagation) costs per request.
     */
    public void check(CheckCommand cmd, Operation op, BiConsumer<Decision, Throwable> done) {
        Instant now = clock.instant();
        CheckEngine.Prepared prepared;
        try {
            prepared = engine.prepare(cmd, op, now);
        } catch (RuntimeException e) {
            done.accept(null, e);
            return;
        }
        if (prepared instanceof CheckEngine.Early early) {
            decisions.get(early.decision().code()).increment();
            done.accept(early.decision(), null);
            return;
        }
        CheckEngine.Limited limited = (CheckEngine.Limited) prepared;
        limiter.evaluate(limited.request(), result -> {
            Decision d;
            try {
                d = after(limited, result);
            } catch (RuntimeException e) {
                done.accept(null, e);
                return;
            }
            if (cmd.record() && d.allowed()) {
                usage.publish(d, cmd, op, now).subscribe().with(x -> done.accept(d, null), e -> done.accept(null, e));
            } else {
                done.accept(d, null);
            }
        });
    }

    private Decision after(CheckEngine.Limited limited, LimitResult result) {
        Decision d = engine.combine(limited, result);
        (d.degraded() ? degradedDecisions : decisions).get(d.code()).increment();
        if (!d.alerts().isEmpty()) {
            alerts.publish(d.alerts());
        }
        return d;
    }
}
