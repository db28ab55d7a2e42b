package dev.apimon.rating;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.Tokens;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What other services put on the topics rating-service consumes, as binary CloudEvents on the test broker. */
public final class KafkaEvents {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static KafkaProducer<String, String> producer;

    private KafkaEvents() {
    }

    private static synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        }
        return producer;
    }

    /** Sends one record and waits for the broker's ack; the metadata carries the record's (producer) timestamp. */
    public static RecordMetadata send(String topic, String key, String type, Object payload) throws Exception {
        return send(topic, key, type, UUID.randomUUID().toString(), payload);
    }

    /** The same with a given CloudEvent id: sending it twice is a redelivery. */
    public static RecordMetadata send(String topic, String key, String type, String id, Object payload) throws Exception {
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, key, JSON.writeValueAsString(payload));
        r.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_id", id.getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_type", type.getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_source", "test".getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_subject", key.getBytes(StandardCharsets.UTF_8));
        r.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        return producer().send(r).get();
    }

    /** A customer snapshot with an explicit {@code ce_time}: its place in the customer's history. */
    public static RecordMetadata customerAt(String id, String currency, Instant time) throws Exception {
        ProducerRecord<String, String> r = new ProducerRecord<>("customers.events", id, JSON.writeValueAsString(
                Map.of("id", id, "currency", currency, "status", "active", "attributes", Map.of())));
        r.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_type", "com.apimon.customer.updated".getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_source", "test".getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_subject", id.getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_time", time.toString().getBytes(StandardCharsets.UTF_8));
        return producer().send(r).get();
    }

    /** Whether the consumer group has committed past this record (it has been handled). */
    public static boolean committedPast(String group, RecordMetadata m) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", KafkaResource.bootstrapServers()))) {
            var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            var committed = offsets.get(new org.apache.kafka.common.TopicPartition(m.topic(), m.partition()));
            return committed != null && committed.offset() > m.offset();
        }
    }

    public static void customer(String id, Map<String, String> attributes) throws Exception {
        send("customers.events", id, "com.apimon.customer.created", Map.of("id", id, "currency", "USD", "status", "active",
                "attributes", attributes));
    }

    public static void subscribe(String customer, String code, int version, String anchor) throws Exception {
        send("subscriptions.events", customer, "com.apimon.subscription.created", subscription(customer, code, version, anchor));
    }

    /** key-service's subscription snapshot: active on {@code code:version} since the anchor. */
    public static Map<String, Object> subscription(String customer, String code, int version, String anchor) {
        Map<String, Object> s = new HashMap<>();
        s.put("customer_id", customer);
        s.put("subscription_id", "sub_" + customer);
        s.put("plan", Map.of("code", code, "version", version));
        s.put("status", "active");
        s.put("period_anchor", anchor);
        s.put("changed_at", anchor);
        s.put("cancel_at_period_end", false);
        return s;
    }

    public static RecordMetadata usage(String customer, String meter, String hour, String value, long version, String env) throws Exception {
        Map<String, Object> a = new HashMap<>();
        a.put("customer_id", customer);
        a.put("meter", meter);
        a.put("aggregation", "count");
        a.put("window_start", hour);
        a.put("window_end", Instant.parse(hour).plus(Duration.ofHours(1)).toString());
        a.put("group", Map.of());
        a.put("value", value);
        a.put("version", version);
        a.put("env", env);
        return send("usage.aggregates", customer, "com.apimon.usage.aggregate", a);
    }

    /** Creates and publishes a plan from a document; answers its code. */
    public static String publish(Map<String, Object> plan) {
        String code = (String) plan.get("code");
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(plan).post("/v1/plans").then().statusCode(201);
        given().auth().oauth2(Tokens.admin()).post("/v1/plans/" + code + "/versions/1/publish").then().statusCode(200);
        return code;
    }

    /** Every record of a topic with this key, read from the beginning until {@code done} holds for the list or time runs out. */
    public static List<ConsumerRecord<String, String>> records(String topic, String key, Predicate<List<ConsumerRecord<String, String>>> done,
                                                               Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "t-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (System.currentTimeMillis() < deadline && !done.test(out)) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    if (key.equals(r.key())) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }

    public static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
