package dev.apimon.key.subscriptions.domain;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * When a plan change takes effect. Explicit {@code now} / {@code period_end} wins; otherwise the recurring fees
 * decide: a more expensive (or equally priced) plan is an upgrade and applies now, a cheaper one is a downgrade
 * and applies at the end of the period the customer already paid for.
 */
public final class PlanChangeTiming {
    public enum Effective {
        NOW, PERIOD_END
    }

    /** The plan-version facts the decision needs. */
    public record Priced(String currency, BigDecimal fee) {
    }

    private PlanChangeTiming() {
    }

    /** @throws IllegalArgumentException when nothing was requested and the fees are in different currencies */
    public static Effective decide(Effective requested, Priced current, Priced target) {
        if (requested != null) {
            return requested;
        }
        if (current.currency() != null && target.currency() != null && !Objects.equals(current.currency(), target.currency())) {
            throw new IllegalArgumentException("the plans are priced in different currencies (" + current.currency() + ", "
                    + target.currency() + "): say whether the change is effective now or at period_end");
        }
        BigDecimal from = current.fee() == null ? BigDecimal.ZERO : current.fee();
        BigDecimal to = target.fee() == null ? BigDecimal.ZERO : target.fee();
        return to.compareTo(from) >= 0 ? Effective.NOW : Effective.PERIOD_END;
    }
}
