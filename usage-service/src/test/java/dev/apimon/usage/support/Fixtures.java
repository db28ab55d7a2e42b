package dev.apimon.usage.support;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apimon.testinfra.KeycloakResource;
import io.restassured.response.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Test helpers: tokens, customers, events, usage queries and Kafka probes against the real servers. */
public final class Fixtures {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final String BATCH = "application/cloudevents-batch+json";
    public static final String SINGLE = "application/cloudevents+json";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static volatile String writerToken;

    private Fixtures() {
    }

    /** A client-credentials token of the gateway's service account (realm role usage-writer). */
    public static String writer() {
        if (writerToken == null) {
            try {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create(KeycloakResource.issuer() + "/protocol/openid-connect/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=apimon-gateway"
                                + "&client_secret=apimon-gateway-local-secret")).build(), HttpResponse.BodyHandlers.ofString());
                writerToken = JSON.readTree(r.body()).get("access_token").asText();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return writerToken;
    }

    public static String customerId() {
        String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder("cus_");
        for (int i = 0; i < 20; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    public static String unique(String prefix) {
        return prefix + "_" + Long.toString(System.nanoTime(), 36) + RANDOM.nextInt(1000);
    }

    /** Stores a customer directly (for tests about something else than the customers consumer). */
    public static String insertCustomer(DataSource db, String id, String externalId) {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO customers (id, external_id, status, updated_at) VALUES (?,?,'active',now())")) {
            ps.setString(1, id);
            ps.setString(2, externalId);
            ps.executeUpdate();
            return id;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores a customer that several tests share (the realm's demo users' ids), unless it is there already. */
    public static void ensureCustomer(DataSource db, String id) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO customers (id, status, updated_at) VALUES (?, 'active', now()) ON CONFLICT (id) DO NOTHING")) {
            ps.setString(1, id);
            ps.executeUpdate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static long count(DataSource db, String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A past hour (whole hours ago), safely away from the current hour's boundary. */
    public static Instant hoursAgo(int hours) {
        return Instant.now().truncatedTo(ChronoUnit.HOURS).minus(hours, ChronoUnit.HOURS);
    }

    public static ObjectNode event(String id, String subject, Instant time, String type, String data) {
        ObjectNode e = JSON.createObjectNode();
        e.put("specversion", "1.0");
        e.put("id", id);
        e.put("source", "petstore-gateway");
        e.put("type", type);
        e.put("subject", subject);
        e.put("time", time.toString());
        try {
            e.set("data", JSON.readTree(data));
        } catch (Exception ex) {
            throw new IllegalArgumentException(ex);
        }
        return e;
    }

    public static String batch(ObjectNode... events) {
        return JSON.createArrayNode().addAll(List.of(events)).toString();
    }

    public static Response ingest(String body) {
        // JSON is UTF-8 (RFC 8259); RestAssured would encode a String body without a charset as ISO-8859-1
        return given().auth().oauth2(writer()).contentType(BATCH).body(body.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .post("/v1/events");
    }

    public static void createMeter(String body) {
        given().auth().oauth2(dev.apimon.testinfra.Tokens.admin()).contentType("application/json").body(body)
                .post("/v1/meters").then().statusCode(org.hamcrest.Matchers.anyOf(org.hamcrest.Matchers.is(201), org.hamcrest.Matchers.is(200)));
    }

    /** GET usage as admin, answering the data array. */
    public static JsonNode usage(String meter, String customer, Instant from, Instant to, String window, String groupBy) {
        var req = given().auth().oauth2(dev.apimon.testinfra.Tokens.admin())
                .queryParam("from", from.toString()).queryParam("to", to.toString()).queryParam("window_size", window);
        if (customer != null) {
            req = req.queryParam("customer_id", customer);
        }
        if (groupBy != null) {
            req = req.queryParam("group_by", groupBy);
        }
        String body = req.get("/v1/meters/" + meter + "/usage").then().statusCode(200).extract().asString();
        try {
            return JSON.readTree(body).get("data");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the supplier's value satisfies the predicate; returns it. */
    public static <T> T await(String what, Duration timeout, java.util.function.Supplier<T> supplier, Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = supplier.get();
            if (done.test(last)) {
                return last;
            }
            sleep(100);
        }
        throw new AssertionError(what + " not reached within " + timeout + "; last value: " + last);
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(p);
    }

    /** Publishes a record with binary CloudEvent headers (null header values are left out). */
    public static void publish(String bootstrap, String topic, String key, String value, String... headerPairs) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headerPairs.length; i += 2) {
            if (headerPairs[i + 1] != null) {
                h.add(headerPairs[i], headerPairs[i + 1].getBytes(StandardCharsets.UTF_8));
            }
        }
        try (KafkaProducer<String, byte[]> p = producer(bootstrap)) {
            p.send(new ProducerRecord<>(topic, null, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8), h))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A customers.events snapshot as key-service publishes it. */
    public static void publishCustomer(String bootstrap, String id, String externalId, Instant updatedAt) {
        ObjectNode c = JSON.createObjectNode().put("id", id).put("external_id", externalId).put("name", "Test " + id)
                .put("currency", "USD").put("status", "active").put("created_at", updatedAt.toString()).put("updated_at", updatedAt.toString());
        publish(bootstrap, "customers.events", id, c.toString(), "ce_specversion", "1.0", "ce_id", unique("evt"),
                "ce_source", "apimon/key-service", "ce_type", "com.apimon.customer.created", "ce_subject", id,
                "ce_time", updatedAt.toString(), "content-type", "application/json");
    }

    /** Every record of a topic (read_committed) that satisfies the filter, read from the beginning. */
    public static List<ConsumerRecord<String, byte[]>> read(String bootstrap, String topic, Predicate<ConsumerRecord<String, byte[]>> filter) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            var end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (filter.test(r)) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }

    public static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static JsonNode value(ConsumerRecord<String, byte[]> r) {
        try {
            return JSON.readTree(r.value());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
