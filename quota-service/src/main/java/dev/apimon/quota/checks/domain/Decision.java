package dev.apimon.quota.checks.domain;

import dev.apimon.quota.alerts.domain.QuotaAlert;
import dev.apimon.quota.view.domain.PlanRef;
import java.util.List;

/**
 * The answer to a check.
 *
 * @param reason    why a check was refused, for humans (null when allowed)
 * @param degraded  decided without Redis (local limiter or fail-closed policy)
 * @param duplicate a retry of a check already counted under its request id: nothing was consumed again
 * @param alerts    thresholds this check crossed first (to publish); not part of the response
 */
public record Decision(boolean allowed, DecisionCode code, String reason, String customerId, String keyId, String env,
                       PlanRef plan, List<LimitState> limits, Long retryAfterSeconds, boolean overQuota,
                       boolean degraded, boolean duplicate, List<QuotaAlert> alerts) {

    public static Decision refused(DecisionCode code, String reason) {
        return new Decision(false, code, reason, null, null, null, null, List.of(), null, false, false, false, List.of());
    }

    public static Decision refused(DecisionCode code, String reason, String customerId, String keyId, String env, PlanRef plan) {
        return new Decision(false, code, reason, customerId, keyId, env, plan, List.of(), null, false, false, false, List.of());
    }
}
