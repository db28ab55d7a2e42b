package dev.apimon.rating.spend.messaging;

import dev.apimon.platform.db.messaging.RetryInPlace;
import dev.apimon.platform.outbox.AckedSend;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/** Poison records of batch consumers go to {@code apimon.dead-letter} with the reason, instead of stopping the consumer. */
@Singleton
public class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);
    private final Emitter<String> emitter;

    public DeadLetters(@Channel("dead-letter") Emitter<String> emitter) {
        this.emitter = emitter;
    }

    /**
     * Sends the record with the reason and waits for Kafka's acknowledgement, so the consumer commits its offset only
     * once the letter is safe; a failed send throws, and the consumer retries it in place ({@link RetryInPlace}).
     */
    public void send(ConsumerRecord<String, String> r, String reason) {
        LOG.warnf("dead-lettering %s/%d/%d: %s", r.topic(), r.partition(), r.offset(), reason);
        RecordHeaders headers = new RecordHeaders(r.headers().toArray());
        headers.add("dead-letter-reason", reason.getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-topic", r.topic().getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-offset", String.valueOf(r.offset()).getBytes(StandardCharsets.UTF_8));
        try {
            AckedSend.send(emitter, r.value() == null ? "" : r.value(), Metadata.of(
                    OutgoingKafkaRecordMetadata.<String>builder().withKey(r.key()).withHeaders(headers).build())).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the dead-letter topic did not acknowledge " + r.topic() + "/" + r.offset(), e);
        }
    }
}
