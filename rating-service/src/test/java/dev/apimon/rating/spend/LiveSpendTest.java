package dev.apimon.rating.spend;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.rating.TestPlans;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** usage.aggregates + subscriptions.events on a real broker → exact live spend, billing.spend and rated periods. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class LiveSpendTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @Inject
    MutableClock clock;
    @Inject
    io.agroal.api.AgroalDataSource db;

    @AfterEach
    void reset() {
        clock.reset();
    }

    private static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static void send(String topic, String key, String type, String id, Object payload) throws Exception {
        try (KafkaProducer<String, String> p = producer()) {
            ProducerRecord<String, String> r = new ProducerRecord<>(topic, key, JSON.writeValueAsString(payload));
            r.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
            r.headers().add("ce_id", id.getBytes(StandardCharsets.UTF_8));
            r.headers().add("ce_type", type.getBytes(StandardCharsets.UTF_8));
            r.headers().add("ce_source", "test".getBytes(StandardCharsets.UTF_8));
            r.headers().add("ce_subject", key.getBytes(StandardCharsets.UTF_8));
            r.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
            p.send(r).get();
        }
    }

    private static Map<String, Object> aggregate(String customer, String meter, String hour, String value, long version, String env) {
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
        return a;
    }

    private String publishedPro(String fee) {
        String code = "live-" + System.nanoTime();
        Map<String, Object> plan = new HashMap<>(TestPlans.pro(code));
        plan.put("fee", fee);
        plan.remove("credit_grant"); // usage and proration only; the plan's period grant is PeriodGrantTest's
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(plan).post("/v1/plans").then().statusCode(201);
        given().auth().oauth2(Tokens.admin()).post("/v1/plans/" + code + "/versions/1/publish").then().statusCode(200);
        return code;
    }

    private static Map<String, Object> subscription(String customer, String code, int version, String anchor, String changedAt) {
        Map<String, Object> s = new HashMap<>();
        s.put("customer_id", customer);
        s.put("subscription_id", "sub_" + customer);
        s.put("plan", Map.of("code", code, "version", version));
        s.put("status", "active");
        s.put("period_anchor", anchor);
        s.put("cancel_at_period_end", false);
        if (changedAt != null) {
            s.put("changed_at", changedAt);
        }
        return s;
    }

    @Test
    void usageBecomesExactSpend_replaysAndStaleVersionsChangeNothing_testKeysAreNotPriced() throws Exception {
        clock.set(Instant.parse("2026-11-21T10:00:00Z"));
        String code = publishedPro("49.00");
        String cus = "cus_live_" + System.nanoTime();
        send("subscriptions.events", cus, "com.apimon.subscription.created", UUID.randomUUID().toString(),
                subscription(cus, code, 1, "2026-11-01T00:00:00Z", null));
        String id1 = UUID.randomUUID().toString();
        send("usage.aggregates", cus, "com.apimon.usage.aggregate", id1, aggregate(cus, "api_calls", "2026-11-21T09:00:00Z", "15000", 3, "live"));
        send("usage.aggregates", cus, "com.apimon.usage.aggregate", id1, aggregate(cus, "api_calls", "2026-11-21T09:00:00Z", "15000", 3, "live"));
        send("usage.aggregates", cus, "com.apimon.usage.aggregate", UUID.randomUUID().toString(),
                aggregate(cus, "api_calls", "2026-11-21T09:00:00Z", "99999", 2, "live"));
        send("usage.aggregates", cus, "com.apimon.usage.aggregate", UUID.randomUUID().toString(),
                aggregate(cus, "images", "2026-11-21T09:00:00Z", "500", 1, "test"));
        send("usage.aggregates", cus, "com.apimon.usage.aggregate", UUID.randomUUID().toString(), Map.of("nonsense", true));
        send("usage.aggregates", cus, "com.apimon.usage.aggregate", UUID.randomUUID().toString(),
                aggregate(cus, "images", "2026-11-21T08:00:00Z", "12", 1, "live"));

        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/spend").then().statusCode(200)
                        .body("lines.find { it.meter == 'images' }.quantity", equalTo("12")));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/spend").then().statusCode(200)
                .body("period_start", equalTo("2026-11-01T00:00:00Z")).body("period_end", equalTo("2026-12-01T00:00:00Z"))
                .body("lines.find { it.meter == 'api_calls' }.amount", equalTo("25.00"))
                .body("lines.find { it.meter == 'images' }.amount", equalTo("1.20"))
                .body("subtotal", equalTo("75.20")).body("minimum_commitment_true_up", equalTo("24.80"))
                .body("total", equalTo("100.00"))
                .body("quotas[0].meter", equalTo("api_calls")).body("quotas[0].used", equalTo("15000"))
                .body("quotas[0].remaining", equalTo("35000"));

        JsonNode latest = latestSpend(cus);
        assertEquals("100.00", latest.get("total").asText());
        assertEquals("75.20", latest.get("subtotal").asText());
        awaitDeadLetter("nonsense");
    }

    @Test
    void aBucketRatingCannotStoreIsDeadLetteredAndEveryoneElsesUsageStillFlows() throws Exception {
        clock.set(Instant.parse("2026-11-21T10:00:00Z"));
        String code = publishedPro("49.00");
        String huge = "cus_huge_" + System.nanoTime();
        String other = "cus_other_" + System.nanoTime();
        for (String cus : List.of(huge, other)) {
            send("subscriptions.events", cus, "com.apimon.subscription.created", UUID.randomUUID().toString(),
                    subscription(cus, code, 1, "2026-11-01T00:00:00Z", null));
        }
        // 28 digits before the point: beyond usage_hours' NUMERIC(38, 12), so its insert fails with a data exception
        send("usage.aggregates", huge, "com.apimon.usage.aggregate", UUID.randomUUID().toString(),
                aggregate(huge, "api_calls", "2026-11-21T09:00:00Z", "1000000000000000000000000000", 1, "live"));
        send("usage.aggregates", other, "com.apimon.usage.aggregate", UUID.randomUUID().toString(),
                aggregate(other, "images", "2026-11-21T09:00:00Z", "12", 1, "live"));
        send("usage.aggregates", huge, "com.apimon.usage.aggregate", UUID.randomUUID().toString(),
                aggregate(huge, "images", "2026-11-21T08:00:00Z", "5", 1, "live"));

        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + other + "/spend").then().statusCode(200)
                    .body("lines.find { it.meter == 'images' }.quantity", equalTo("12"));
            given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + huge + "/spend").then().statusCode(200)
                    .body("lines.find { it.meter == 'images' }.quantity", equalTo("5"));
        });
        awaitDeadLetter("1000000000000000000000000000");
    }

    @Test
    void anHourWhoseSpendCannotBeComputedIsStillStored_itIsBillableUsage() throws Exception {
        clock.set(Instant.parse("2026-11-21T10:00:00Z"));
        String cus = "cus_unpriced_" + System.nanoTime();
        // a subscription to a plan rating cannot find (yet): computing the spend fails for this customer, but the
        // subscription itself is stored - it is what rated periods and invoices go by
        send("subscriptions.events", cus, "com.apimon.subscription.created", UUID.randomUUID().toString(),
                subscription(cus, "no-such-plan", 1, "2026-11-01T00:00:00Z", null));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (var c = db.getConnection(); var ps = c.prepareStatement("SELECT count(*) FROM rating_subscriptions WHERE customer_id = ?")) {
                ps.setString(1, cus);
                try (var rs = ps.executeQuery()) {
                    return rs.next() && rs.getLong(1) == 1;
                }
            }
        });
        send("usage.aggregates", cus, "com.apimon.usage.aggregate", UUID.randomUUID().toString(),
                aggregate(cus, "api_calls", "2026-11-21T09:00:00Z", "5", 1, "live"));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (var c = db.getConnection(); var ps = c.prepareStatement(
                    "SELECT value FROM usage_hours WHERE customer_id = ? AND meter = 'api_calls'")) {
                ps.setString(1, cus);
                try (var rs = ps.executeQuery()) {
                    return rs.next() && rs.getBigDecimal(1).compareTo(new java.math.BigDecimal("5")) == 0;
                }
            }
        });
    }

    @Test
    void anHourCorrectionsEmptiedIsStoredAsNoReading() throws Exception {
        String cus = "cus_emptied_" + System.nanoTime();
        Map<String, Object> reading = aggregate(cus, "peak", "2026-11-21T09:00:00Z", "7", 1, "live");
        reading.put("aggregation", "max");
        reading.put("events", 2);
        send("usage.aggregates", cus, "com.apimon.usage.aggregate", UUID.randomUUID().toString(), reading);
        Map<String, Object> emptied = new HashMap<>(reading);
        emptied.put("value", "0");
        emptied.put("events", 0);
        emptied.put("version", 2);
        send("usage.aggregates", cus, "com.apimon.usage.aggregate", UUID.randomUUID().toString(), emptied);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (var c = db.getConnection(); var ps = c.prepareStatement(
                    "SELECT version, value IS NULL FROM usage_hours WHERE customer_id = ? AND meter = 'peak'")) {
                ps.setString(1, cus);
                try (var rs = ps.executeQuery()) {
                    return rs.next() && rs.getLong(1) == 2 && rs.getBoolean(2);
                }
            }
        });
    }

    @Test
    void ratedPeriodAtCloseAndProrationForAMidPeriodUpgrade() throws Exception {
        clock.set(Instant.parse("2026-10-10T00:00:00Z"));
        String basic = publishedPro("49.00");
        String premium = publishedPro("99.00");
        String cus = "cus_pro_" + System.nanoTime();
        send("subscriptions.events", cus, "com.apimon.subscription.created", UUID.randomUUID().toString(),
                subscription(cus, basic, 1, "2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z"));
        // upgrade exactly half-way through October 2026 (31 days): 15.5 days left
        send("subscriptions.events", cus, "com.apimon.subscription.changed", UUID.randomUUID().toString(),
                subscription(cus, premium, 1, "2026-10-01T00:00:00Z", "2026-10-16T12:00:00Z"));
        send("usage.aggregates", cus, "com.apimon.usage.aggregate", UUID.randomUUID().toString(),
                aggregate(cus, "api_calls", "2026-10-31T23:00:00Z", "30000", 1, "live"));
        clock.set(Instant.parse("2026-11-01T00:30:00Z"));
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/rated-periods?period_start=2026-10-01T00:00:00Z")
                        .then().statusCode(200)
                        .body("lines.find { it.meter == 'api_calls' }.amount", equalTo("100.00")));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/rated-periods?period_start=2026-10-01T00:00:00Z")
                .then().statusCode(200)
                .body("plan.code", equalTo(premium)).body("period_end", equalTo("2026-11-01T00:00:00Z"))
                .body("lines.type", hasItem("proration"))
                .body("lines.find { it.type == 'proration' && it.amount.startsWith('-') }.amount", equalTo("-24.50"))
                .body("lines.find { it.type == 'proration' && !it.amount.startsWith('-') }.amount", equalTo("49.50"))
                .body("subtotal", equalTo("199.00")).body("total", equalTo("224.00"));
        given().auth().oauth2(Tokens.alice()).get("/v1/customers/" + cus + "/rated-periods").then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).get("/v1/customers/" + cus + "/spend").then().statusCode(404);
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/rated-periods?period_start=yesterday").then().statusCode(400)
                .body("errors[0].field", equalTo("period_start"));
    }

    private static JsonNode latestSpend(String customer) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "t-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        JsonNode last = null;
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of("billing.spend"));
            long deadline = System.currentTimeMillis() + 8000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) {
                    if (customer.equals(r.key())) {
                        last = JSON.readTree(r.value());
                    }
                }
                if (last != null && "100.00".equals(last.get("total").asText())) {
                    break;
                }
            }
        }
        assertNotNull(last, "no billing.spend record for " + customer);
        return last;
    }

    private static void awaitDeadLetter(String marker) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "t-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of("apimon.dead-letter"));
            long deadline = System.currentTimeMillis() + 10000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) {
                    if (r.value() != null && r.value().contains(marker) && r.headers().lastHeader("dead-letter-reason") != null) {
                        return;
                    }
                }
            }
        }
        throw new AssertionError("the poison aggregate never reached apimon.dead-letter");
    }
}
