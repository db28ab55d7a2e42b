package dev.apimon.quota.support;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.keys.ApiKeys;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/**
 * Publishes what key-service and rating-service would (keys.events, subscriptions.events, billing.catalog
 * snapshots as binary CloudEvents) to the test's real Kafka broker, and waits until quota-service sees them.
 */
public final class Fixtures {
    public static final String PEPPER = "test-pepper-0123456789";
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static KafkaProducer<String, byte[]> producer;
    private static String producerBootstrap;

    private Fixtures() {
    }

    /**
     * The broker the service under test uses, from its configuration: a test class may run its own (restartable)
     * broker, and KafkaResource's static address is the last one started, not necessarily this application's.
     */
    public static String bootstrap() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    public static synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null || !bootstrap().equals(producerBootstrap)) {
            if (producer != null) {
                producer.close(java.time.Duration.ofSeconds(1));
            }
            producerBootstrap = bootstrap();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, producerBootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    public static String customerId() {
        StringBuilder b = new StringBuilder("cus_");
        for (int i = 0; i < 20; i++) {
            b.append(B62.charAt(RANDOM.nextInt(B62.length())));
        }
        return b.toString();
    }

    public static String planCode() {
        return "p" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Sends one binary CloudEvent and waits for the broker's ack. value null = tombstone. */
    public static void send(String topic, String key, String type, String subject, byte[] value) {
        ProducerRecord<String, byte[]> rec = new ProducerRecord<>(topic, key, value);
        header(rec, "ce_specversion", "1.0");
        header(rec, "ce_id", UUID.randomUUID().toString());
        header(rec, "ce_source", "apimon/test");
        header(rec, "ce_type", type);
        header(rec, "ce_subject", subject);
        header(rec, "ce_time", Instant.now().toString());
        header(rec, "content-type", "application/json");
        try {
            producer().send(rec).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void header(ProducerRecord<String, byte[]> rec, String name, String value) {
        rec.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] json(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- plans -------------------------------------------------------------------------------------------

    public static Map<String, Object> rate(String name, long limit, String window) {
        return Map.of("name", name, "limit", limit, "window", window);
    }

    public static Map<String, Object> quota(String meter, long limit, String enforcement) {
        return Map.of("meter", meter, "limit", limit, "enforcement", enforcement);
    }

    public static void plan(String code, int version, List<Map<String, Object>> rateLimits, List<Map<String, Object>> quotas,
                            List<String> entitlements) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("code", code);
        p.put("version", version);
        p.put("name", code);
        p.put("status", "published");
        p.put("currency", "USD");
        p.put("interval", "month");
        p.put("fee", "0");
        p.put("rate_limits", rateLimits);
        p.put("quotas", quotas);
        p.put("entitlements", entitlements);
        p.put("charges", List.of());
        send("billing.catalog", code + ":" + version, "com.apimon.plan.published", code + ":" + version, json(p));
    }

    // ---- subscriptions -----------------------------------------------------------------------------------

    public static void subscription(String customer, String planCode, int version, String status, Instant anchor) {
        subscription(customer, planCode, version, status, anchor, null);
    }

    public static void subscription(String customer, String planCode, int version, String status, Instant anchor,
                                    Map<String, Object> scheduledChange) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("customer_id", customer);
        s.put("subscription_id", "sub_" + customer.substring(4));
        s.put("plan", Map.of("code", planCode, "version", version));
        s.put("status", status);
        s.put("period_anchor", anchor.toString());
        s.put("current_period_start", anchor.toString());
        s.put("current_period_end", anchor.plus(Duration.ofDays(30)).toString());
        s.put("cancel_at_period_end", false);
        s.put("scheduled_change", scheduledChange);
        send("subscriptions.events", customer, "com.apimon.subscription." + ("active".equals(status) ? "changed" : status),
                customer, json(s));
    }

    // ---- keys --------------------------------------------------------------------------------------------

    public record Key(String id, String plaintext, String env, List<String> scopes, Instant expiresAt, Instant revokedAt) {
        public Key revoked(Instant at) {
            return new Key(id, plaintext, env, scopes, expiresAt, at);
        }

        public Key expiring(Instant at) {
            return new Key(id, plaintext, env, scopes, at, revokedAt);
        }
    }

    public static Key newKey(String env, String... scopes) {
        StringBuilder id = new StringBuilder("key_");
        for (int i = 0; i < 20; i++) {
            id.append("0123456789abcdefghijklmnopqrstuvwxyz".charAt(RANDOM.nextInt(36)));
        }
        return new Key(id.toString(), ApiKeys.generate(env), env, List.of(scopes), null, null);
    }

    public static void keys(String customer, String type, Key... keys) {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (Key k : keys) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("id", k.id());
            e.put("key_hash", ApiKeys.hash(k.plaintext(), PEPPER));
            e.put("start", ApiKeys.start(k.plaintext()));
            e.put("env", k.env());
            e.put("scopes", k.scopes());
            e.put("expires_at", k.expiresAt() == null ? null : k.expiresAt().toString());
            e.put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().toString());
            entries.add(e);
        }
        Map<String, Object> snap = new LinkedHashMap<>();
        snap.put("customer_id", customer);
        snap.put("keys", entries);
        send("keys.events", customer, type, customer, json(snap));
    }

    // ---- a ready-made customer ---------------------------------------------------------------------------

    /** A customer on a fresh plan with one live key, visible to quota-service when this returns. */
    public record Customer(String id, String planCode, Key key) {
    }

    public static Customer customer(List<Map<String, Object>> rateLimits, List<Map<String, Object>> quotas,
                                    List<String> entitlements, Instant anchor) {
        String code = planCode();
        plan(code, 1, rateLimits, quotas, entitlements);
        String c = customerId();
        subscription(c, code, 1, "active", anchor);
        Key k = newKey("live");
        keys(c, "com.apimon.key.created", k);
        awaitCode(k.plaintext(), "feature:__probe__", null);
        return new Customer(c, code, k);
    }

    // ---- checks ------------------------------------------------------------------------------------------

    public static Response check(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/checks");
    }

    public static Response check(String key, String operation) {
        return check(Map.of("key", key, "operation", operation));
    }

    public static Response peek(String key, String operation) {
        return check(Map.of("key", key, "operation", operation, "cost", 0));
    }

    /** Waits until this replica's view is loaded (before, checks of well-formed keys answer 503 NOT_READY). */
    public static void awaitViewLoaded() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    /**
     * Waits until a check of this key answers {@code expected}, or (expected null) anything but an unknown key /
     * missing subscription / plan — i.e. the whole fixture is in the view.
     */
    public static void awaitCode(String key, String operation, String expected) {
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
            Response r = peek(key, operation);
            String code = r.path("code");
            String reason = r.path("reason");
            if (expected != null) {
                return expected.equals(code);
            }
            return code != null && !"INVALID_KEY".equals(code) && !"NOT_READY".equals(code) && (reason == null
                    || !(reason.contains("no subscription") || reason.contains("not in the catalog")));
        });
    }
}
