package dev.apimon.key.catalog.domain;

import dev.apimon.key.subscriptions.domain.PlanChangeTiming;
import dev.apimon.key.subscriptions.domain.PlanRef;
import java.math.BigDecimal;
import java.util.List;

/** What key-service keeps of a billing.catalog plan version: enough to validate plan references and key scopes. */
public record CatalogPlan(String code, int version, String status, String name, String currency, BigDecimal fee,
                          List<String> entitlements) {
    public static final String PUBLISHED = "published";
    public static final String ARCHIVED = "archived";

    public PlanRef ref() {
        return new PlanRef(code, version);
    }

    public boolean published() {
        return PUBLISHED.equals(status);
    }

    public PlanChangeTiming.Priced priced() {
        return new PlanChangeTiming.Priced(currency, fee);
    }
}
