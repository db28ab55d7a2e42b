package dev.apimon.quota.checks.domain;

import dev.apimon.quota.alerts.domain.QuotaAlert;
import dev.apimon.quota.limits.domain.BillingPeriod;
import dev.apimon.quota.limits.domain.CounterKeys;
import dev.apimon.quota.limits.domain.Gcra;
import dev.apimon.quota.limits.domain.LimitRequest;
import dev.apimon.quota.limits.domain.LimitResult;
import dev.apimon.quota.limits.domain.Operation;
import dev.apimon.quota.limits.domain.QuotaSpec;
import dev.apimon.quota.limits.domain.QuotaThresholds;
import dev.apimon.quota.limits.domain.RateLimitSpec;
import dev.apimon.quota.view.domain.KeyRecord;
import dev.apimon.quota.view.domain.PlanDefinition;
import dev.apimon.quota.view.domain.PlanRef;
import dev.apimon.quota.view.domain.QuotaView;
import dev.apimon.quota.view.domain.SubscriptionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The decision logic of a check, without I/O: first everything the in-memory view answers alone (key, status,
 * subscription, entitlements, scopes), then the limits Redis must decide together, then the combination of the
 * limiter's answer into one decision.
 */
public final class CheckEngine {
    private static final Instant CALENDAR_MONTHS = Instant.parse("2000-01-01T00:00:00Z");

    private static final int MAX_PERIODS = 100_000;

    private final QuotaView view;
    private final Map<Instant, BillingPeriod> periods = new ConcurrentHashMap<>();
    private final Function<String, String> hasher;
    private final Function<String, String> envOfWellFormedKey;
    private final String usageSource;

    /**
     * @param hasher             key → HMAC hash as published on keys.events
     * @param envOfWellFormedKey key → "live"/"test" when well-formed (checksum ok), else null
     * @param usageSource        ce_source of the usage events recorded checks emit (part of a request id's identity)
     */
    public CheckEngine(QuotaView view, Function<String, String> hasher, Function<String, String> envOfWellFormedKey,
                       String usageSource) {
        this.view = view;
        this.hasher = hasher;
        this.envOfWellFormedKey = envOfWellFormedKey;
        this.usageSource = usageSource;
    }

    public sealed interface Prepared permits Early, Limited {
    }

    /** Decided from the view alone (no Redis). */
    public record Early(Decision decision) implements Prepared {
    }

    /** Needs the limiter. */
    public record Limited(KeyRecord key, PlanDefinition plan, Instant now, CheckCommand command, LimitRequest request)
            implements Prepared {
    }

    public Prepared prepare(CheckCommand cmd, Operation op, Instant now) {
        String env = envOfWellFormedKey.apply(cmd.key());
        if (env == null) {
            return early(DecisionCode.INVALID_KEY, "the API key is malformed (format or checksum)");
        }
        if (!view.loaded()) {
            throw new ViewNotLoadedException();
        }
        KeyRecord key = view.keyByHash(hasher.apply(cmd.key()));
        if (key == null || !env.equals(key.env())) {
            return early(DecisionCode.INVALID_KEY, "unknown API key");
        }
        String customer = key.customerId();
        if (key.revokedAt() != null) {
            return new Early(Decision.refused(DecisionCode.REVOKED, "the API key was revoked", customer, key.keyId(), env, null));
        }
        if (key.expiresAt() != null && !now.isBefore(key.expiresAt())) {
            return new Early(Decision.refused(DecisionCode.EXPIRED, "the API key expired at " + key.expiresAt(), customer, key.keyId(), env, null));
        }
        SubscriptionRecord sub = view.subscription(customer);
        if (sub == null) {
            return new Early(Decision.refused(DecisionCode.FORBIDDEN, "the customer has no subscription", customer, key.keyId(), env, null));
        }
        PlanRef ref = sub.planAt(now);
        String status = sub.statusAt(now);
        if (SubscriptionRecord.SUSPENDED.equals(status)) {
            return new Early(Decision.refused(DecisionCode.SUSPENDED, "the customer's subscription is suspended", customer, key.keyId(), env, ref));
        }
        if (!SubscriptionRecord.ACTIVE.equals(status)) {
            return new Early(Decision.refused(DecisionCode.FORBIDDEN, "the customer's subscription is " + status, customer, key.keyId(), env, ref));
        }
        PlanDefinition plan = view.plan(ref);
        if (plan == null) {
            return new Early(Decision.refused(DecisionCode.FORBIDDEN, "plan " + ref.key() + " is not in the catalog", customer, key.keyId(), env, ref));
        }
        if (!plan.entitlements().allows(op)) {
            return new Early(Decision.refused(DecisionCode.FORBIDDEN, "plan " + ref.key() + " does not entitle " + op, customer, key.keyId(), env, ref));
        }
        if (!key.scopes().allows(op)) {
            return new Early(Decision.refused(DecisionCode.FORBIDDEN, "the key's scopes do not include " + op, customer, key.keyId(), env, ref));
        }
        String unreachable = unreachableCost(cmd, plan);
        if (unreachable != null) {
            return new Early(Decision.refused(DecisionCode.FORBIDDEN, unreachable, customer, key.keyId(), env, ref));
        }
        return new Limited(key, plan, now, cmd, limitRequest(key, sub, plan, cmd, op, now));
    }

    /**
     * Why this cost can never be allowed under the plan, or null. A cost above a rate limit's whole burst, or above a
     * hard quota's whole limit (0 included), is refused like an operation the plan does not include (FORBIDDEN, 403
     * on /v1/authorize), not answered RATE_LIMITED / QUOTA_EXCEEDED with a Retry-After after which it would be
     * refused again, forever.
     */
    private static String unreachableCost(CheckCommand cmd, PlanDefinition plan) {
        long cost = cmd.cost();
        for (RateLimitSpec r : plan.rateLimits()) {
            if (cost > r.gcra().limit()) {
                return "a request of cost " + cost + " can never be allowed: rate limit '" + r.name() + "' of plan "
                        + plan.ref().key() + " admits at most " + r.gcra().limit() + " per window";
            }
        }
        QuotaSpec q = plan.quotas().get(cmd.meter());
        if (q != null && q.hard() && cost > q.limit()) {
            return "a request of cost " + cost + " can never be allowed: the hard " + q.meter() + " quota of plan "
                    + plan.ref().key() + " is " + q.limit() + " per period";
        }
        return null;
    }

    /**
     * A customer's limits with their Redis keys, as the last check built them: valid while the plan, env, meter and
     * billing period are the same. Saves the key concatenations per check, and the limiter's maps hash the same
     * String instances (cached hash codes) instead of new ones. Bounded (cleared when full).
     */
    private record LimitKeys(PlanDefinition plan, String env, String meter, BillingPeriod period, List<LimitRequest.Rate> rates,
                             LimitRequest.Quota quota) {
    }

    private final Map<String, LimitKeys> limitKeys = new ConcurrentHashMap<>();

    private LimitRequest limitRequest(KeyRecord key, SubscriptionRecord sub, PlanDefinition plan, CheckCommand cmd, Operation op,
                                      Instant now) {
        String c = key.customerId();
        QuotaSpec q = plan.quotas().get(cmd.meter());
        BillingPeriod period = q == null ? null : period(sub.anchor() != null ? sub.anchor() : CALENDAR_MONTHS, now);
        LimitKeys k = limitKeys.get(c);
        if (k == null || k.plan() != plan || !k.env().equals(key.env()) || !k.meter().equals(cmd.meter()) || k.period() != period) {
            LimitRequest built = limitRequest(key, sub, plan, cmd, now, (a, t) -> period, null);
            k = new LimitKeys(plan, key.env(), cmd.meter(), period, built.rates(), built.quota());
            if (limitKeys.size() >= MAX_PERIODS) {
                limitKeys.clear();
            }
            limitKeys.put(c, k);
        }
        return new LimitRequest(c, key.env(), toMicros(now), cmd.cost(), k.rates(), k.quota(), idempotencyKey(key, cmd, op));
    }

    /**
     * The marker of a recorded check's request id ({@link CounterKeys#request}), or null when nothing is recorded: a
     * retry of this very check (same key, operation, meter and cost) is a duplicate, the same id in any other check
     * is another request.
     */
    String idempotencyKey(KeyRecord key, CheckCommand cmd, Operation op) {
        if (!cmd.record() || cmd.requestId() == null) {
            return null;
        }
        return CounterKeys.request(key.customerId(), key.env(), cmd.requestId(), usageSource, key.keyId(), op.toString(),
                cmd.meter(), cmd.cost());
    }

    private static Early early(DecisionCode code, String reason) {
        return new Early(Decision.refused(code, reason));
    }

    /**
     * The period containing {@code now} for this anchor, remembered per anchor: the calendar arithmetic is the
     * costliest part of preparing a check, and a period changes once a month. Bounded (cleared when full).
     */
    BillingPeriod period(Instant anchor, Instant now) {
        BillingPeriod p = periods.get(anchor);
        if (p == null || now.isBefore(p.start()) || !now.isBefore(p.end())) {
            p = BillingPeriod.monthly(anchor, now);
            if (periods.size() >= MAX_PERIODS) {
                periods.clear();
            }
            periods.put(anchor, p);
        }
        return p;
    }

    static LimitRequest limitRequest(KeyRecord key, SubscriptionRecord sub, PlanDefinition plan, CheckCommand cmd, Instant now,
                                     BiFunction<Instant, Instant, BillingPeriod> periods, String idempotencyKey) {
        String c = key.customerId();
        String env = key.env();
        List<LimitRequest.Rate> rates = new ArrayList<>(plan.rateLimits().size());
        for (RateLimitSpec r : plan.rateLimits()) {
            rates.add(new LimitRequest.Rate(r.name(), CounterKeys.rate(c, env, r.name(), r.gcra()), r.gcra()));
        }
        LimitRequest.Quota quota = null;
        QuotaSpec q = plan.quotas().get(cmd.meter());
        if (q != null) {
            Instant anchor = sub.anchor() != null ? sub.anchor() : CALENDAR_MONTHS;
            BillingPeriod period = periods.apply(anchor, now);
            quota = new LimitRequest.Quota(q, CounterKeys.quota(c, env, q.meter(), period), period,
                    CounterKeys.alerts(c, env, q.meter(), period));
        }
        return new LimitRequest(c, env, toMicros(now), cmd.cost(), List.copyOf(rates), quota, idempotencyKey);
    }

    public static long toMicros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    /** Turns the limiter's answer into the decision (codes, remaining, resets, Retry-After, alerts). */
    public Decision combine(Limited l, LimitResult r) {
        LimitRequest req = l.request();
        long cost = req.cost();
        List<LimitState> states = new ArrayList<>(req.rates().size() + 1);
        long rateRetry = 0;
        boolean closed = r.source() == LimitResult.Source.CLOSED;
        for (int i = 0; i < req.rates().size(); i++) {
            LimitRequest.Rate rate = req.rates().get(i);
            Gcra g = rate.gcra();
            long delta = r.tatDeltas()[i];
            boolean denied;
            long retry = 0;
            if (closed) {
                denied = "rate".equals(r.closedKind());
                retry = denied ? 1 : 0;
            } else {
                denied = !r.allowed() && Math.max(0, delta) + g.emissionMicros() * cost - g.capacityMicros() > 0;
                retry = denied ? g.retryAfterSeconds(delta, cost) : 0;
            }
            rateRetry = Math.max(rateRetry, retry);
            long remaining = closed ? 0 : g.remaining(delta);
            states.add(new LimitState(LimitState.RATE, rate.name(), null, g.limit(), null, remaining,
                    closed ? 1 : g.resetSeconds(delta), null, null, g.windowSeconds(), false, denied, retry));
        }
        boolean quotaDenied = false;
        boolean overQuota = false;
        List<QuotaAlert> alerts = List.of();
        if (req.hasQuota()) {
            LimitRequest.Quota q = req.quota();
            long limit = q.spec().limit();
            long used = r.quotaUsed();
            if (closed) {
                quotaDenied = "quota".equals(r.closedKind());
            } else {
                quotaDenied = !r.allowed() && q.spec().hard() && used + cost > limit;
            }
            overQuota = !closed && used > limit;
            long resetSeconds = q.period().secondsUntilEnd(l.now());
            // fail-closed: Redis did not say what is used, and the answer is "retry in 1 s" - nothing remains until then
            states.add(new LimitState(LimitState.QUOTA, null, q.spec().meter(), limit, closed ? null : used,
                    closed ? 0 : Math.max(0, limit - used), closed ? 1 : resetSeconds, q.period().end(), q.spec().enforcement(),
                    q.period().lengthSeconds(), overQuota, quotaDenied, quotaDenied ? (closed ? 1 : Math.max(1, resetSeconds)) : 0));
            if (r.alert80() || r.alert100()) {
                alerts = new ArrayList<>(2);
                if (r.alert80()) {
                    alerts.add(alert(l, q, QuotaThresholds.WARNING, used));
                }
                if (r.alert100()) {
                    alerts.add(alert(l, q, QuotaThresholds.REACHED, used));
                }
            }
        }
        KeyRecord k = l.key();
        if (r.allowed()) {
            return new Decision(true, DecisionCode.VALID, null, k.customerId(), k.keyId(), k.env(), l.plan().ref(),
                    List.copyOf(states), null, overQuota, r.degraded(), r.duplicate(), alerts);
        }
        DecisionCode code;
        String reason;
        Long retryAfter;
        if (closed) {
            code = DecisionCode.RATE_LIMITED;
            reason = "the limiter is unavailable and the " + r.closedKind() + " policy is fail-closed; retry shortly";
            retryAfter = 1L;
        } else if (quotaDenied) {
            code = DecisionCode.QUOTA_EXCEEDED;
            reason = "the " + req.quota().spec().meter() + " quota of " + req.quota().spec().limit() + " for this period is used up";
            retryAfter = Math.max(1, req.quota().period().secondsUntilEnd(l.now()));
        } else {
            code = DecisionCode.RATE_LIMITED;
            reason = "rate limit exceeded";
            retryAfter = Math.max(1, rateRetry);
        }
        // a denied check can carry alerts too: one whose marker was cleared (publishing failed) fires again on the
        // next check, and at a hard quota's limit every later check is denied
        return new Decision(false, code, reason, k.customerId(), k.keyId(), k.env(), l.plan().ref(), List.copyOf(states),
                retryAfter, overQuota, r.degraded(), false, alerts);
    }

    private static QuotaAlert alert(Limited l, LimitRequest.Quota q, int percent, long used) {
        return new QuotaAlert(l.key().customerId(), l.key().env(), q.spec().meter(), percent, used, q.spec().limit(),
                q.period().start(), l.now(), q.alertKey());
    }
}
