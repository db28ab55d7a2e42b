package dev.apimon.invoice.subscriptions.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Reads the binary-mode CloudEvent attributes (ce_* headers) of a record. */
final class CloudEvents {
    private CloudEvents() {
    }

    static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The CloudEvent id; without one, the record's position keeps the consumer idempotent. */
    static String id(ConsumerRecord<?, ?> r) {
        String id = header(r, "ce_id");
        return id != null && !id.isBlank() ? id : r.topic() + "/" + r.partition() + "/" + r.offset();
    }

    static Instant time(ConsumerRecord<?, ?> r) {
        String t = header(r, "ce_time");
        if (t == null) {
            return Instant.ofEpochMilli(r.timestamp());
        }
        return OffsetDateTime.parse(t).toInstant();
    }
}
