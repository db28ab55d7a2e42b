package dev.apimon.quota.shared.messaging;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The one Kafka producer of quota-service (usage events, alerts, dead letters): acks=all and idempotent. send()
 * runs on its own thread because KafkaProducer.send may block on metadata, and checks run on the event loop.
 */
@Singleton
public class EventProducer {
    private final KafkaProducer<String, byte[]> producer;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "quota-kafka-send");
        t.setDaemon(true);
        return t;
    });

    public EventProducer(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
                         @ConfigProperty(name = "quarkus.application.name") String app) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, app + "-producer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
    }

    public CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<RecordMetadata> ack = new CompletableFuture<>();
        try {
            sender.execute(() -> {
                if (ack.isDone()) {
                    return; // the caller stopped waiting (its check answered 503): a queued send is dropped, not delivered late
                }
                try {
                    producer.send(record, (md, ex) -> {
                        if (ex != null) {
                            ack.completeExceptionally(ex);
                        } else {
                            ack.complete(md);
                        }
                    });
                } catch (RuntimeException e) {
                    ack.completeExceptionally(e);
                }
            });
        } catch (RuntimeException rejected) {
            ack.completeExceptionally(rejected);
        }
        return ack;
    }

    /** Binary-mode CloudEvent attributes as Kafka headers (docs/events.md). */
    public static void cloudEvent(Headers h, String id, String source, String type, String subject, Instant time) {
        h.add("ce_specversion", bytes("1.0"));
        h.add("ce_id", bytes(id));
        h.add("ce_source", bytes(source));
        h.add("ce_type", bytes(type));
        h.add("ce_subject", bytes(subject));
        h.add("ce_time", bytes(DateTimeFormatter.ISO_INSTANT.format(time)));
        h.add("content-type", bytes("application/json"));
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    void onStop(@Observes ShutdownEvent ev) {
        sender.shutdown();
        producer.close(Duration.ofSeconds(5));
    }
}
