package dev.apimon.rating.spend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.rating.KafkaEvents;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Live spend on the real broker: from the moment an aggregate is produced to usage.aggregates until the updated
 * snapshot is on billing.spend takes at most one second. Measured with the brokers' record timestamps (producer
 * CreateTime of both records), after one warm-up event, on the wall clock.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class SpendLatencyTest {
    private static final long BUDGET_MS = 1000;

    @Inject
    MutableClock clock;

    @Test
    void billingSpendIsUpdatedWithinOneSecondOfAnAggregate() throws Exception {
        clock.reset();
        Instant now = Instant.now();
        String monthStart = now.atZone(ZoneOffset.UTC).withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).toInstant().toString();
        String hour = now.truncatedTo(ChronoUnit.HOURS).toString();
        Map<String, Object> plan = new HashMap<>();
        plan.put("code", "latency-" + System.nanoTime());
        plan.put("name", "Latency");
        plan.put("currency", "USD");
        plan.put("interval", "month");
        plan.put("fee", "5.00");
        plan.put("charges", List.of(Map.of("meter", "api_calls", "model", "per_unit", "unit_amount", "0.05")));
        String code = KafkaEvents.publish(plan);
        String cus = "cus_latency_" + System.nanoTime();

        try (KafkaConsumer<String, String> spend = consumer()) {
            KafkaEvents.subscribe(cus, code, 1, monthStart);
            long warm = KafkaEvents.usage(cus, "api_calls", hour, "1", 1, "live").timestamp();
            System.out.printf("billing.spend latency, warm-up: %d ms%n", awaitSpend(spend, cus, "1").timestamp() - warm);

            List<Long> latencies = new ArrayList<>();
            for (int v = 2; v <= 6; v++) {
                String quantity = String.valueOf(v * 10);
                long produced = KafkaEvents.usage(cus, "api_calls", hour, quantity, v, "live").timestamp();
                ConsumerRecord<String, String> r = awaitSpend(spend, cus, quantity);
                // fee 5.00 + 0.05 per call: 10 calls more each time
                assertEquals(String.format("%d.%02d", 5 + v / 2, v % 2 * 50), KafkaEvents.JSON.readTree(r.value()).get("total").asText());
                latencies.add(r.timestamp() - produced);
            }
            System.out.printf("billing.spend latency after warm-up (ms): %s%n", latencies);
            for (long l : latencies) {
                assertTrue(l >= 0 && l <= BUDGET_MS, "billing.spend updated " + l + " ms after the aggregate; budget " + BUDGET_MS + " ms: " + latencies);
            }
        }
    }

    private static KafkaConsumer<String, String> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "t-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        c.subscribe(List.of("billing.spend"));
        return c;
    }

    /** The first billing.spend record of the customer whose api_calls line has this quantity. */
    private static ConsumerRecord<String, String> awaitSpend(KafkaConsumer<String, String> c, String customer, String quantity) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(50))) {
                if (!customer.equals(r.key())) {
                    continue;
                }
                for (JsonNode line : KafkaEvents.JSON.readTree(r.value()).get("lines")) {
                    if ("api_calls".equals(line.path("meter").asText()) && quantity.equals(line.path("quantity").asText())) {
                        return r;
                    }
                }
            }
        }
        return fail("no billing.spend record with api_calls = " + quantity);
    }
}
