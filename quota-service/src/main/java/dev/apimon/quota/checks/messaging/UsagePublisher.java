package dev.apimon.quota.checks.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.checks.domain.CheckCommand;
import dev.apimon.quota.checks.domain.Decision;
import dev.apimon.quota.limits.domain.Operation;
import dev.apimon.quota.shared.messaging.EventProducer;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Emits the usage event of a check with {@code "record": true} to usage.events as a binary CloudEvent whose id is
 * the request id: a retried check re-sends the same id and usage-service counts it once. The check waits for the
 * broker's acknowledgement, so "allowed and recorded" is never "allowed and lost".
 */
@Singleton
public class UsagePublisher {
    private final EventProducer producer;
    private final ObjectMapper json;
    private final String topic;
    private final String source;
    private final Duration ackTimeout;

    public UsagePublisher(EventProducer producer, ObjectMapper json, QuotaConfig config) {
        this.producer = producer;
        this.json = json;
        this.topic = config.usage().topic();
        this.source = config.usage().source();
        this.ackTimeout = config.usage().ackTimeout();
    }

    /** Fails with {@link UsageNotRecordedException} when Kafka does not acknowledge in time. */
    public Uni<Void> publish(Decision d, CheckCommand cmd, Operation op, Instant now) {
        ProducerRecord<String, byte[]> rec;
        try {
            rec = new ProducerRecord<>(topic, d.customerId(), json.writeValueAsBytes(data(d, cmd, op)));
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalArgumentException("data is not serializable", e));
        }
        EventProducer.cloudEvent(rec.headers(), cmd.requestId(), source, cmd.eventType(), d.customerId(), now);
        rec.headers().add("apimon_env", EventProducer.bytes(d.env()));
        return Uni.createFrom().completionStage(() -> producer.send(rec).orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS))
                .onFailure().transform(UsageNotRecordedException::new)
                .replaceWithVoid();
    }

    /** What the check knows about the request, overlaid by the caller's own {@code data}. */
    static Map<String, Object> data(Decision d, CheckCommand cmd, Operation op) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(op.isFeature() ? "feature" : "endpoint", op.isFeature() ? op.feature() : op.toString());
        m.put("meter", cmd.meter());
        m.put("cost", cmd.cost());
        m.put("key_id", d.keyId());
        if (cmd.data() != null) {
            m.putAll(cmd.data());
        }
        return m;
    }

    public static class UsageNotRecordedException extends RuntimeException {
        public UsageNotRecordedException(Throwable cause) {
            super("the usage event could not be written to Kafka: " + cause, cause);
        }
    }
}
