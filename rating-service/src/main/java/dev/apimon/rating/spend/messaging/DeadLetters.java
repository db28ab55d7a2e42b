package dev.apimon.rating.spend.messaging;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** Poison records of batch consumers go to {@code apimon.dead-letter} with the reason, instead of stopping the consumer. */
@Singleton
public class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);
    private final Emitter<String> emitter;

    public DeadLetters(@Channel("dead-letter") Emitter<String> emitter) {
        this.emitter = emitter;
    }

    public void send(ConsumerRecord<String, String> r, String reason) {
        LOG.warnf("dead-lettering %s/%d/%d: %s", r.topic(), r.partition(), r.offset(), reason);
        RecordHeaders headers = new RecordHeaders(r.headers().toArray());
        headers.add("dead-letter-reason", reason.getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-topic", r.topic().getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-offset", String.valueOf(r.offset()).getBytes(StandardCharsets.UTF_8));
        emitter.send(Message.of(r.value() == null ? "" : r.value()).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(r.key()).withHeaders(headers).build()));
    }
}
