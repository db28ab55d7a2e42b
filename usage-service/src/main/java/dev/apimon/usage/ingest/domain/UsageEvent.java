package dev.apimon.usage.ingest.domain;

import java.time.Instant;

/**
 * A validated usage event: {@code customerId} is resolved from the CloudEvent subject (an id or an external id),
 * {@code payload} is the data object exactly as received (the Kafka record value), {@code timeText} the time as
 * sent (normalized to UTC when it carried an offset). For a correction, {@code corrects} names the original event.
 */
public record UsageEvent(int index, String id, String source, String type, String customerId, Instant time,
                         String timeText, String env, byte[] payload, EventKey corrects) {

    public EventKey key() {
        return new EventKey(customerId, source, id);
    }

    public boolean isCorrection() {
        return corrects != null;
    }
}
