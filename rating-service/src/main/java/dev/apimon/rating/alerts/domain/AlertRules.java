package dev.apimon.rating.alerts.domain;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Which thresholds a customer's spend has reached (plain Java). Deciding "once per period" is the caller's job: it
 * records each crossing under (customer, period, kind, threshold) and sends only the first.
 */
public final class AlertRules {
    public static final String BUDGET = "budget";
    public static final String SPEND_CAP = "spend_cap";
    public static final String CREDITS_LOW = "credits_low";
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private AlertRules() {
    }

    /**
     * @param total            the period's total so far (what the customer will pay, after discounts and credits)
     * @param hasCredits       whether the customer ever had credits in the plan's currency (no credits: nothing runs low)
     * @param creditsRemaining credits left once this period's spend so far is paid from them
     * @param creditsGranted   original amount of the credit sources still valid, the base of the default fraction
     */
    public record Facts(BigDecimal total, boolean hasCredits, BigDecimal creditsRemaining, BigDecimal creditsGranted) {
    }

    /** threshold is the dedup key within the kind; thresholdPercent is null where no percentage applies. */
    public record Crossing(String kind, String threshold, Integer thresholdPercent, BigDecimal used, BigDecimal limit) {
    }

    public static List<Crossing> crossings(AlertSettings s, Facts f, BigDecimal defaultCreditsLowFraction) {
        List<Crossing> out = new ArrayList<>();
        if (s.budget() != null && s.budget().signum() > 0) {
            for (int percent : new TreeSet<>(s.percentages())) {
                BigDecimal level = s.budget().multiply(BigDecimal.valueOf(percent)).divide(HUNDRED);
                if (f.total().compareTo(level) >= 0) {
                    out.add(new Crossing(BUDGET, String.valueOf(percent), percent, f.total(), s.budget()));
                }
            }
        }
        if (s.spendCap() != null && s.spendCap().signum() > 0 && f.total().compareTo(s.spendCap()) >= 0) {
            out.add(new Crossing(SPEND_CAP, s.spendCap().stripTrailingZeros().toPlainString(), 100, f.total(), s.spendCap()));
        }
        if (f.hasCredits()) {
            BigDecimal below = s.creditsLowBelow();
            Integer percent = null;
            if (below == null && defaultCreditsLowFraction != null && defaultCreditsLowFraction.signum() > 0
                    && f.creditsGranted().signum() > 0) {
                below = f.creditsGranted().multiply(defaultCreditsLowFraction);
                percent = defaultCreditsLowFraction.multiply(HUNDRED).intValue();
            }
            if (below != null && f.creditsRemaining().compareTo(below) < 0) {
                out.add(new Crossing(CREDITS_LOW, below.stripTrailingZeros().toPlainString(), percent, f.creditsRemaining(), below));
            }
        }
        return out;
    }
}
