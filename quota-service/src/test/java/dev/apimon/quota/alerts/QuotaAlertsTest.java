package dev.apimon.quota.alerts;

import static dev.apimon.quota.support.Fixtures.check;
import static dev.apimon.quota.support.Fixtures.quota;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.quota.limits.domain.BillingPeriod;
import dev.apimon.quota.limits.domain.CounterKeys;
import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.quota.support.Fixtures.Key;
import dev.apimon.quota.support.Topics;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.RedisResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** 80% and 100% quota alerts go to billing.alerts once per period per meter, for live keys. */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class QuotaAlertsTest {
    @Inject
    MutableClock clock;

    @AfterEach
    void reset() {
        clock.reset();
    }

    @Test
    void thresholdsFireOncePerPeriod() throws Exception {
        clock.set(Instant.parse("2026-04-10T00:00:00Z"));
        Customer c = Fixtures.customer(List.of(), List.of(quota("api_calls", 10, "soft")), List.of(), Instant.parse("2026-01-05T00:00:00Z"));
        Key test = Fixtures.newKey("test");
        Fixtures.keys(c.id(), "com.apimon.key.created", c.key(), test);
        Fixtures.awaitCode(test.plaintext(), "GET /x", "VALID");
        for (int i = 1; i <= 14; i++) {
            check(c.key().plaintext(), "GET /x").then().body("limits[0].used", equalTo(i));
            check(test.plaintext(), "GET /x").then().body("code", equalTo("VALID"));
        }
        // next period: fires again
        clock.set(Instant.parse("2026-05-05T00:00:00Z"));
        for (int i = 1; i <= 8; i++) {
            check(c.key().plaintext(), "GET /x").then().body("limits[0].used", equalTo(i));
        }
        List<ConsumerRecord<String, byte[]>> alerts = Topics.read("billing.alerts", r -> c.id().equals(r.key()), 3, Duration.ofSeconds(20));
        assertEquals(3, alerts.size(), "80% and 100% in April, 80% in May; nothing for the test key");
        JsonNode a80 = Fixtures.JSON.readTree(alerts.get(0).value());
        JsonNode a100 = Fixtures.JSON.readTree(alerts.get(1).value());
        JsonNode may = Fixtures.JSON.readTree(alerts.get(2).value());
        assertEquals(c.id(), a80.get("customer_id").asText());
        assertEquals("quota", a80.get("kind").asText());
        assertEquals("api_calls", a80.get("meter").asText());
        assertEquals(80, a80.get("threshold_percent").asInt());
        assertEquals(8, a80.get("used").asLong());
        assertEquals(10, a80.get("limit").asLong());
        assertEquals("2026-04-05T00:00:00Z", a80.get("period_start").asText());
        assertEquals("2026-04-10T00:00:00Z", a80.get("at").asText());
        assertEquals(100, a100.get("threshold_percent").asInt());
        assertEquals(10, a100.get("used").asLong());
        assertEquals(80, may.get("threshold_percent").asInt());
        assertEquals("2026-05-05T00:00:00Z", may.get("period_start").asText());
        assertEquals("com.apimon.alert.quota_threshold", Topics.header(alerts.get(0), "ce_type"));
        assertEquals(c.id(), Topics.header(alerts.get(0), "ce_subject"));
        assertEquals("quota-threshold:" + c.id() + ":live:api_calls:" + Instant.parse("2026-04-05T00:00:00Z").getEpochSecond() + ":80:10",
                Topics.header(alerts.get(0), "ce_id"));
        // acknowledged by Kafka (or test-mode, never sent): nothing of this customer left pending
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> redis.sortedSet(String.class)
                .zrange(CounterKeys.PENDING_ALERTS, 0, -1).stream().noneMatch(m -> m.contains("{" + c.id() + "}")));
    }

    @Inject
    RedisDataSource redis;

    @Test
    void anAlertFiredButNeverAcknowledgedIsSentByTheSweeper() throws Exception {
        // what limits.lua leaves when the replica dies between firing (marker + pending entry) and Kafka's acknowledgement
        String customer = "cus_sweep_" + System.nanoTime();
        BillingPeriod period = BillingPeriod.monthly(Instant.parse("2026-01-05T00:00:00Z"), Instant.parse("2026-04-10T00:00:00Z"));
        String member = CounterKeys.alerts(customer, "live", "api_calls", period) + "|100|10|10";
        long firedAt = System.currentTimeMillis() - 60_000;
        redis.sortedSet(String.class).zadd(CounterKeys.PENDING_ALERTS, firedAt, member);

        List<ConsumerRecord<String, byte[]>> sent = Topics.read("billing.alerts", r -> customer.equals(r.key()), 1, Duration.ofSeconds(20));
        JsonNode a = Fixtures.JSON.readTree(sent.get(0).value());
        assertEquals(100, a.get("threshold_percent").asInt());
        assertEquals(10, a.get("used").asLong());
        assertEquals(10, a.get("limit").asLong());
        assertEquals("2026-04-05T00:00:00Z", a.get("period_start").asText());
        assertEquals(Instant.ofEpochMilli(firedAt).toString(), Instant.parse(a.get("at").asText()).toString(), "the time it fired");
        assertEquals("quota-threshold:" + customer + ":live:api_calls:" + period.start().getEpochSecond() + ":100:10",
                Topics.header(sent.get(0), "ce_id"), "the same id as the first send: consumers deduplicate");
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> redis.sortedSet(String.class).zscore(CounterKeys.PENDING_ALERTS, member).isEmpty());
    }
}
