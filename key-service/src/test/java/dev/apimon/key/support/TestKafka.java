package dev.apimon.key.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.testinfra.KafkaResource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Talks to the test run's real Kafka broker: publishes binary-mode CloudEvents and reads topics from the start. */
public final class TestKafka {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static KafkaProducer<String, String> producer;

    private TestKafka() {
    }

    private static synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        }
        return producer;
    }

    /** A binary-mode CloudEvent (ce_* headers, JSON value); a null type/id leaves that header out. */
    public static void publish(String topic, String key, String type, String id, String value) {
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, key, value);
        r.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
        if (id != null) {
            r.headers().add("ce_id", id.getBytes(StandardCharsets.UTF_8));
        }
        if (type != null) {
            r.headers().add("ce_type", type.getBytes(StandardCharsets.UTF_8));
        }
        r.headers().add("ce_source", "apimon/tests".getBytes(StandardCharsets.UTF_8));
        r.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        try {
            producer().send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Publishes a plan-version document on billing.catalog (key code:version) as rating-service does. */
    public static void publishPlan(String code, int version, String status, String currency, String fee, List<String> entitlements) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("code", code);
        doc.put("version", version);
        doc.put("name", code + " v" + version);
        doc.put("status", status);
        doc.put("currency", currency);
        doc.put("interval", "month");
        doc.put("fee", fee);
        doc.put("rate_limits", List.of(Map.of("name", "default", "limit", 100, "window", "PT1M")));
        doc.put("quotas", List.of(Map.of("meter", "api_calls", "limit", 50000, "enforcement", "hard")));
        doc.put("entitlements", entitlements);
        doc.put("charges", List.of(Map.of("meter", "api_calls", "model", "per_unit", "unit_amount", "0.01")));
        try {
            publish("billing.catalog", code + ":" + version, "com.apimon.plan." + status, UUID.randomUUID().toString(), JSON.writeValueAsString(doc));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record of the topic (from the beginning) that matches, once at least {@code atLeast} match or the time is up. */
    public static List<ConsumerRecord<String, String>> records(String topic, Predicate<ConsumerRecord<String, String>> match, int atLeast,
                                                               Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (found.size() < atLeast && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                    if (match.test(r)) {
                        found.add(r);
                    }
                }
            }
        }
        return found;
    }

    /** The records for one key, in topic order, waiting until at least {@code atLeast} arrived. */
    public static List<ConsumerRecord<String, String>> byKey(String topic, String key, int atLeast) {
        return records(topic, r -> key.equals(r.key()), atLeast, Duration.ofSeconds(20));
    }

    public static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static JsonNode json(ConsumerRecord<String, String> r) {
        try {
            return JSON.readTree(r.value());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
