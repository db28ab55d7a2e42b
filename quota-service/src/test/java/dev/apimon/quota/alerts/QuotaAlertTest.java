package dev.apimon.quota.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.apimon.quota.alerts.domain.QuotaAlert;
import dev.apimon.quota.limits.domain.BillingPeriod;
import dev.apimon.quota.limits.domain.CounterKeys;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The pending-set member limits.lua writes reads back as the alert the service would have sent. */
class QuotaAlertTest {
    @Test
    void aPendingMemberReadsBackAsTheSameAlert() {
        BillingPeriod period = BillingPeriod.monthly(Instant.parse("2026-01-31T00:00:00Z"), Instant.parse("2026-03-10T00:00:00Z"));
        String marker = CounterKeys.alerts("cus_42", "live", "api.calls-v2", period);
        Instant at = Instant.parse("2026-03-10T12:00:00.250Z");
        QuotaAlert sent = new QuotaAlert("cus_42", "live", "api.calls-v2", 80, 800, 1000, period.start(), at, marker);

        QuotaAlert read = QuotaAlert.fromPending(sent.pendingMember(), at);

        assertEquals(sent, read);
        assertEquals(sent.eventId(), read.eventId());
    }

    @Test
    void aMemberThatIsNotOneIsNull() {
        assertNull(QuotaAlert.fromPending("garbage", Instant.EPOCH));
        assertNull(QuotaAlert.fromPending("apimon:al:{cus_1}:live:api_calls|80|8", Instant.EPOCH));
        assertNull(QuotaAlert.fromPending("apimon:al:{cus_1}:live:api_calls:x|80|8|10", Instant.EPOCH));
    }
}
