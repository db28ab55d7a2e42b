package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Prices one period of a plan: fee and usage lines (each rounded once), then discount, minimum-commitment true-up
 * and credits. Pure and deterministic: the same request always yields the same quote.
 */
public final class PricingEngine {

    private final RoundingMode roundingMode;

    public PricingEngine() {
        this(RoundingMode.HALF_UP);
    }

    public PricingEngine(RoundingMode roundingMode) {
        this.roundingMode = Objects.requireNonNull(roundingMode, "roundingMode");
    }

    public Quote price(PriceRequest req) {
        PlanVersion plan = req.plan();
        CurrencyRounding money = new CurrencyRounding(plan.currency(), roundingMode);

        List<QuoteLine> lines = new ArrayList<>();
        if (plan.fee() != null) {
            lines.add(feeLine(plan, req.feeProrationFactor(), money));
        }
        if (plan.charges() != null) {
            for (Charge charge : plan.charges()) {
                lines.add(usageLine(charge, req, money));
            }
        }

        BigDecimal subtotal = lines.stream().map(QuoteLine::amount).reduce(money.zero(), BigDecimal::add);
        BigDecimal discount = Discounts.total(req.discounts(), subtotal, money);
        BigDecimal afterDiscount = subtotal.subtract(discount);
        BigDecimal trueUp = plan.minimumCommitment() == null
                ? money.zero()
                : money.round(plan.minimumCommitment().subtract(afterDiscount).max(BigDecimal.ZERO));
        BigDecimal due = afterDiscount.add(trueUp);

        List<CreditUse> uses = CreditAllocator.allocate(req.credits(), due, req.at(), money);
        BigDecimal credits = uses.stream().map(CreditUse::amount).reduce(money.zero(), BigDecimal::add);
        BigDecimal total = due.subtract(credits).max(money.zero());

        return new Quote(plan.currency(), lines, subtotal, discount, credits, trueUp, total, uses);
    }

    private static QuoteLine feeLine(PlanVersion plan, BigDecimal prorationFactor, CurrencyRounding money) {
        BigDecimal amount = money.round(plan.fee().multiply(prorationFactor));
        return new QuoteLine(QuoteLine.FEE, feeDescription(plan), null, null, amount);
    }

    private static String feeDescription(PlanVersion plan) {
        String name = plan.name() != null ? plan.name() : plan.code();
        String period = switch (String.valueOf(plan.interval())) {
            case "month" -> "monthly";
            case "year" -> "yearly";
            default -> plan.interval();
        };
        return name + " " + period + " fee";
    }

    private static QuoteLine usageLine(Charge planCharge, PriceRequest req, CurrencyRounding money) {
        String meter = planCharge.meter();
        Charge override = meter == null ? null : req.chargeOverrides().get(meter);
        Charge charge = override != null ? override : planCharge;
        BigDecimal given = meter == null ? null : req.usage().get(meter);
        BigDecimal quantity = given != null ? given : BigDecimal.ZERO;
        BigDecimal amount = money.round(ChargeModels.chargeAmount(charge, quantity));
        return new QuoteLine(QuoteLine.USAGE, usageDescription(charge, meter), meter, quantity, amount);
    }

    private static String usageDescription(Charge charge, String meter) {
        if (charge.description() != null) {
            return charge.description();
        }
        return meter != null ? meter + " usage" : "flat charge";
    }
}
