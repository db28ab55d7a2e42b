package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything needed to price one period. Null collections mean "none" and a null feeProrationFactor means a full
 * period, so callers (JSON previews included) may omit them. chargeOverrides are per-customer prices keyed by meter;
 * at is the pricing instant, used to skip expired credits.
 */
public record PriceRequest(
        PlanVersion plan,
        Map<String, BigDecimal> usage,
        List<Discount> discounts,
        List<CreditSource> credits,
        Map<String, Charge> chargeOverrides,
        BigDecimal feeProrationFactor,
        Instant at) {

    public PriceRequest {
        Objects.requireNonNull(plan, "plan");
        usage = usage == null ? Map.of() : Collections.unmodifiableMap(new HashMap<>(usage));
        discounts = discounts == null ? List.of() : List.copyOf(discounts);
        credits = credits == null ? List.of() : List.copyOf(credits);
        chargeOverrides = chargeOverrides == null ? Map.of() : Collections.unmodifiableMap(new HashMap<>(chargeOverrides));
        feeProrationFactor = feeProrationFactor == null ? BigDecimal.ONE : feeProrationFactor;
        if (feeProrationFactor.signum() < 0) {
            throw new IllegalArgumentException("feeProrationFactor must be >= 0: " + feeProrationFactor);
        }
    }
}
