package dev.apimon.usage.aggregation.domain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.usage.ingest.domain.EventKey;
import java.time.Instant;

/**
 * A usage event as read from {@code usage.events}: {@code dataText} is the record value as received (stored in
 * the raw log verbatim), {@code data} its parsed form. {@code corrects} is set for corrections.
 */
public record LogEvent(String customerId, String source, String id, String type, Instant time, String env,
                       JsonNode data, String dataText, EventKey corrects, Instant ingestedAt) {

    public EventKey key() {
        return new EventKey(customerId, source, id);
    }
}
