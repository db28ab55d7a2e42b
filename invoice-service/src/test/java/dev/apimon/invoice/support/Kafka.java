package dev.apimon.invoice.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.testinfra.KafkaResource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producing key-service's events and reading what invoice-service published, on the test's real broker. */
public final class Kafka {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Kafka() {
    }

    public record Event(String id, String type, String key, JsonNode payload, Map<String, String> headers) {
    }

    public static void send(String topic, String key, String type, String id, String value) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            ProducerRecord<String, String> r = new ProducerRecord<>(topic, key, value);
            r.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
            r.headers().add("ce_id", id.getBytes(StandardCharsets.UTF_8));
            r.headers().add("ce_type", type.getBytes(StandardCharsets.UTF_8));
            r.headers().add("ce_source", "apimon/key-service".getBytes(StandardCharsets.UTF_8));
            r.headers().add("ce_subject", key.getBytes(StandardCharsets.UTF_8));
            r.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
            producer.send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String send(String topic, String key, String type, Object payload) {
        String id = UUID.randomUUID().toString();
        send(topic, key, type, id, write(payload));
        return id;
    }

    public static void customer(String id, String name, String region) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", id);
        c.put("external_id", "ext-" + id);
        c.put("name", name);
        c.put("email", "billing@" + id + ".example");
        c.put("currency", "USD");
        c.put("attributes", region == null ? Map.of() : Map.of("region", region));
        c.put("status", "active");
        send("customers.events", id, "com.apimon.customer.created", c);
    }

    /** A subscriptions.events snapshot (docs/events.md). */
    public static Map<String, Object> subscription(String customer, String code, int version, String anchor, String periodStart,
                                                   String periodEnd, String changedAt) {
        Map<String, Object> s = new HashMap<>();
        s.put("customer_id", customer);
        s.put("subscription_id", "sub_" + customer);
        s.put("plan", Map.of("code", code, "version", version));
        s.put("status", "active");
        s.put("period_anchor", anchor);
        s.put("current_period_start", periodStart);
        s.put("current_period_end", periodEnd);
        s.put("cancel_at_period_end", false);
        s.put("scheduled_change", null);
        s.put("changed_at", changedAt);
        return s;
    }

    /** Every record with this key on the topic, oldest first. */
    public static List<Event> read(String topic, String key) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<Event> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 3000;
            int emptyPolls = 0;
            while (System.currentTimeMillis() < deadline && emptyPolls < 3) {
                var records = c.poll(Duration.ofMillis(500));
                if (records.isEmpty() && !c.assignment().isEmpty()) {
                    emptyPolls++;
                }
                for (ConsumerRecord<String, String> r : records) {
                    if (key == null || key.equals(r.key())) {
                        Map<String, String> headers = new HashMap<>();
                        for (Header h : r.headers()) {
                            headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                        }
                        out.add(new Event(headers.get("ce_id"), headers.get("ce_type"), r.key(), tree(r.value()), headers));
                    }
                }
            }
        }
        return out;
    }

    public static List<String> types(String topic, String key) {
        return read(topic, key).stream().map(Event::type).toList();
    }

    private static JsonNode tree(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            return JSON.getNodeFactory().textNode(s);
        }
    }

    public static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
