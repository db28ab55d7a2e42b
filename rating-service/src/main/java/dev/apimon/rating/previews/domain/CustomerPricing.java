package dev.apimon.rating.previews.domain;

import dev.apimon.rating.pricing.Charge;
import dev.apimon.rating.pricing.CreditSource;
import dev.apimon.rating.pricing.Discount;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What is particular to one customer when pricing: its price overrides, active discounts and credit balances. */
public interface CustomerPricing {
    Map<String, Charge> overrides(String customerId);

    List<Discount> activeDiscounts(String customerId, Instant at);

    List<CreditSource> credits(String customerId, String currency, Instant at);
}
