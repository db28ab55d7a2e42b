package dev.apimon.usage.kafka;

import dev.apimon.usage.config.UsageConfig;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;

/**
 * Publishes poison records to {@code apimon.dead-letter}: the original key, value and headers plus the
 * {@code dead-letter-*} headers SmallRye's dead-letter strategy uses, so one tool reads every service's letters.
 */
@Singleton
public class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);
    private final KafkaSettings settings;
    private final String topic;
    private volatile KafkaProducer<String, byte[]> producer;

    public DeadLetters(KafkaSettings settings, UsageConfig config) {
        this.settings = settings;
        this.topic = config.topics().deadLetter();
    }

    /** Sends and waits for the acks; throws if Kafka did not take them (the caller then retries its batch). */
    public void send(List<DeadLetter> letters) throws Exception {
        if (letters.isEmpty()) {
            return;
        }
        List<Future<?>> acks = new ArrayList<>();
        for (DeadLetter d : letters) {
            var r = d.record();
            RecordHeaders headers = new RecordHeaders();
            for (Header h : r.headers()) {
                headers.add(h);
            }
            headers.add("dead-letter-reason", bytes(d.reason()));
            headers.add("dead-letter-topic", bytes(r.topic()));
            headers.add("dead-letter-partition", bytes(String.valueOf(r.partition())));
            headers.add("dead-letter-offset", bytes(String.valueOf(r.offset())));
            headers.add("dead-letter-consumer", bytes("usage-service"));
            acks.add(producer().send(new ProducerRecord<>(topic, null, r.key(), r.value(), headers)));
            LOG.warnf("dead-lettered %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), d.reason());
        }
        for (Future<?> f : acks) {
            f.get(15, TimeUnit.SECONDS);
        }
    }

    private static byte[] bytes(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }

    private KafkaProducer<String, byte[]> producer() {
        KafkaProducer<String, byte[]> p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = new KafkaProducer<>(settings.durableProducer("usage-service-dead-letters"));
                }
                p = producer;
            }
        }
        return p;
    }

    void onStop(@Observes ShutdownEvent ev) {
        KafkaProducer<String, byte[]> p = producer;
        if (p != null) {
            p.close(Duration.ofSeconds(2));
        }
    }
}
