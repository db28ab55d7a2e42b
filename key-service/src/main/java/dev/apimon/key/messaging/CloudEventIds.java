package dev.apimon.key.messaging;

import io.smallrye.reactive.messaging.ce.IncomingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Message;

/** CloudEvent attributes of an incoming Kafka record: SmallRye's binary-mode metadata, else the raw ce_* headers. */
public final class CloudEventIds {
    private CloudEventIds() {
    }

    public record Attributes(String id, String type, String key, String topic, long offset) {
    }

    @SuppressWarnings("unchecked")
    public static Attributes of(Message<?> msg) {
        Optional<IncomingCloudEventMetadata<?>> ce = msg.getMetadata(IncomingCloudEventMetadata.class).map(m -> (IncomingCloudEventMetadata<?>) m);
        Optional<IncomingKafkaRecordMetadata<?, ?>> kafka = msg.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> (IncomingKafkaRecordMetadata<?, ?>) m);
        String id = ce.map(IncomingCloudEventMetadata::getId).orElseGet(() -> kafka.map(k -> header(k, "ce_id")).orElse(null));
        String type = ce.map(IncomingCloudEventMetadata::getType).orElseGet(() -> kafka.map(k -> header(k, "ce_type")).orElse(null));
        String key = kafka.map(k -> k.getKey() == null ? null : k.getKey().toString()).orElse(null);
        return new Attributes(id, type, key, kafka.map(IncomingKafkaRecordMetadata::getTopic).orElse(null),
                kafka.map(IncomingKafkaRecordMetadata::getOffset).orElse(-1L));
    }

    private static String header(IncomingKafkaRecordMetadata<?, ?> k, String name) {
        Header h = k.getHeaders().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
