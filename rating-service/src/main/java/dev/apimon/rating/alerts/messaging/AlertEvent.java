package dev.apimon.rating.alerts.messaging;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * The billing.alerts payload of docs/events.md ({customer_id, kind, meter, threshold_percent, used, limit,
 * period_start, at}) plus currency and period_end. Null fields are written, not dropped: the shape is a contract.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record AlertEvent(String customerId, String kind, String meter, Integer thresholdPercent, BigDecimal used, BigDecimal limit,
                         String currency, Instant periodStart, Instant periodEnd, Instant at) {
    public static final String TOPIC = "billing.alerts";
    public static final String SPEND_THRESHOLD = "com.apimon.alert.spend_threshold";
    public static final String CREDITS_LOW = "com.apimon.alert.credits_low";
}
