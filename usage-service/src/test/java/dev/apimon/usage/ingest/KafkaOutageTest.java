package dev.apimon.usage.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apimon.testinfra.RestartableKafkaResource;
import dev.apimon.usage.support.Fixtures;
import dev.apimon.usage.support.KafkaOutageProfile;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The fault test: N unique events, sent in batches by concurrent clients that retry on 503 and sometimes resend
 * an acknowledged batch (a lost answer), with ~10% extra duplicates of acknowledged events under another
 * timestamp; the broker is killed and restarted mid-stream. The final aggregates must equal the ground truth.
 */
@QuarkusTest
@TestProfile(KafkaOutageProfile.class)
class KafkaOutageTest {
    private static final Logger LOG = Logger.getLogger(KafkaOutageTest.class);
    static final int CLIENTS = 4;
    static final int BATCHES_PER_CLIENT = 12;
    static final int EVENTS_PER_BATCH = 100;

    @Inject
    AgroalDataSource db;

    @TestHTTPResource("/v1/events")
    URI events;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger unavailable = new AtomicInteger();
    final AtomicInteger missingRetryAfter = new AtomicInteger();
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicInteger acknowledgedBatches = new AtomicInteger();
    /** Batches answered 503 first, then 202 on a retry that counted every one of their fresh events as new. */
    final AtomicInteger wholeAfter503 = new AtomicInteger();

    record Truth(Map<String, Map<Instant, Integer>> counts, Map<String, Map<Instant, BigDecimal>> sums) {
    }

    @Test
    void aggregatesEqualTheGroundTruthAfterABrokerCrashMidStream() throws Exception {
        String type = Fixtures.unique("outage") + ".request";
        String calls = Fixtures.unique("calls"), units = Fixtures.unique("units");
        Fixtures.createMeter("{\"slug\": \"" + calls + "\", \"event_type\": \"" + type + "\", \"aggregation\": \"count\"}");
        Fixtures.createMeter("{\"slug\": \"" + units + "\", \"event_type\": \"" + type + "\", \"aggregation\": \"sum\", \"value_property\": \"$.units\"}");
        List<String> customers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            customers.add(Fixtures.insertCustomer(db, Fixtures.customerId(), null));
        }
        Instant from = Fixtures.hoursAgo(4);
        Truth truth = new Truth(new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(pool.submit(() -> {
                runClient(client, type, customers, from, truth);
                return null;
            }));
        }
        Future<?> outage = pool.submit(() -> {
            Fixtures.await("a quarter of the batches acknowledged", Duration.ofMinutes(3), acknowledgedBatches::get,
                    n -> n >= CLIENTS * BATCHES_PER_CLIENT / 4);
            LOG.info("killing the Kafka broker");
            RestartableKafkaResource.stopBroker();
            Fixtures.sleep(6000);
            LOG.info("restarting the Kafka broker");
            RestartableKafkaResource.startBroker();
            return null;
        });
        outage.get(5, TimeUnit.MINUTES);
        for (Future<?> f : clients) {
            f.get(8, TimeUnit.MINUTES);
        }
        pool.shutdown();
        int unique = CLIENTS * BATCHES_PER_CLIENT * EVENTS_PER_BATCH;
        LOG.infof("sent %d requests: %d answered 503, %d events accepted, %d duplicates", sent.get(), unavailable.get(), accepted.get(), duplicates.get());
        assertTrue(unavailable.get() > 0, "the outage hit some requests");
        assertEquals(0, missingRetryAfter.get(), "every 503 carries Retry-After");
        assertTrue(accepted.get() >= unique, "every unique event was accepted at least once (" + accepted.get() + ")");
        assertTrue(wholeAfter503.get() > 0, "some batches were answered 503 first, then accepted whole");

        Instant to = from.plus(4, ChronoUnit.HOURS);
        for (String customer : customers) {
            Map<Instant, Integer> expectedCounts = new TreeMap<>(truth.counts().getOrDefault(customer, Map.of()));
            Map<Instant, BigDecimal> expectedSums = new TreeMap<>(truth.sums().getOrDefault(customer, Map.of()));
            Fixtures.await("exact counts of " + customer, Duration.ofSeconds(90),
                    () -> hourly(calls, customer, from, to), got -> got.equals(asStrings(expectedCounts)));
            Fixtures.await("exact sums of " + customer, Duration.ofSeconds(30),
                    () -> hourly(units, customer, from, to), got -> got.equals(asStrings(expectedSums)));
        }
        assertEquals(unique, Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE type = ?", type));
        // every aggregate delta written during the outage reaches usage.aggregates once Kafka is back
        Fixtures.await("the outbox drained", Duration.ofSeconds(60),
                () -> Fixtures.count(db, "SELECT count(*) FROM outbox WHERE published_at IS NULL"), n -> n == 0);
    }

    private void runClient(int client, String type, List<String> customers, Instant from, Truth truth) throws Exception {
        Random random = new Random(client);
        List<ObjectNode> acknowledged = new ArrayList<>();
        for (int b = 0; b < BATCHES_PER_CLIENT; b++) {
            ArrayNode batch = Fixtures.JSON.createArrayNode();
            List<ObjectNode> fresh = new ArrayList<>();
            for (int i = 0; i < EVENTS_PER_BATCH; i++) {
                String customer = customers.get(random.nextInt(customers.size()));
                Instant hour = from.plus(random.nextInt(4), ChronoUnit.HOURS);
                BigDecimal units = new BigDecimal(random.nextInt(100_000)).movePointLeft(2); // 0.00 .. 999.99
                ObjectNode e = Fixtures.event("c" + client + "-b" + b + "-e" + i, customer, hour.plusSeconds(random.nextInt(3600)), type,
                        "{\"units\": \"" + units.toPlainString() + "\"}");
                fresh.add(e);
                batch.add(e);
            }
            // ~10% duplicates of events this client already had acknowledged, under another timestamp and value
            for (int i = 0; i < EVENTS_PER_BATCH / 10 && !acknowledged.isEmpty(); i++) {
                ObjectNode dup = acknowledged.get(random.nextInt(acknowledged.size())).deepCopy();
                dup.put("time", Instant.parse(dup.get("time").asText()).minusSeconds(1020).toString());
                ((ObjectNode) dup.get("data")).put("units", "12345.67");
                batch.add(dup);
            }
            String body = batch.toString();
            Sent first = send(body);
            // a 503 accepted nothing of its request: the retry's 202 counts every fresh event as new, each
            // duplicate as a duplicate (unless a connection failed on the way, when the answer may have been lost)
            if (!first.connectionFailed()) {
                assertEquals(fresh.size(), first.answer().get("accepted").asInt(), "accepted on the first 202: " + first.answer());
                assertEquals(batch.size() - fresh.size(), first.answer().get("duplicates").asInt());
                if (first.after503()) {
                    wholeAfter503.incrementAndGet();
                }
            }
            if (random.nextInt(5) == 0) {
                send(body); // the answer was "lost": the client sends the same batch again
            }
            acknowledged.addAll(fresh);
            for (ObjectNode e : fresh) {
                String customer = e.get("subject").asText();
                Instant hour = Instant.parse(e.get("time").asText()).truncatedTo(ChronoUnit.HOURS);
                truth.counts().computeIfAbsent(customer, k -> new ConcurrentHashMap<>()).merge(hour, 1, Integer::sum);
                truth.sums().computeIfAbsent(customer, k -> new ConcurrentHashMap<>())
                        .merge(hour, new BigDecimal(e.get("data").get("units").asText()), BigDecimal::add);
            }
            acknowledgedBatches.incrementAndGet();
        }
    }

    /** The 202 answer; whether a 503 and whether a connection failure came before it. */
    record Sent(JsonNode answer, boolean after503, boolean connectionFailed) {
    }

    /** Posts until a 202, retrying after 503 (Retry-After) and after connection failures. */
    private Sent send(String body) throws Exception {
        boolean after503 = false;
        boolean connectionFailed = false;
        while (true) {
            sent.incrementAndGet();
            HttpResponse<String> r;
            try {
                r = http.send(HttpRequest.newBuilder(events).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + Fixtures.writer())
                        .header("Content-Type", Fixtures.BATCH).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                connectionFailed = true;
                Fixtures.sleep(500);
                continue;
            }
            if (r.statusCode() == 202) {
                JsonNode a = Fixtures.JSON.readTree(r.body());
                accepted.addAndGet(a.get("accepted").asInt());
                duplicates.addAndGet(a.get("duplicates").asInt());
                assertEquals(0, a.get("rejected").size(), r.body());
                return new Sent(a, after503, connectionFailed);
            }
            if (r.statusCode() != 503) {
                throw new AssertionError("unexpected " + r.statusCode() + ": " + r.body());
            }
            unavailable.incrementAndGet();
            after503 = true;
            String retryAfter = r.headers().firstValue("Retry-After").orElse(null);
            if (retryAfter == null) {
                missingRetryAfter.incrementAndGet();
                retryAfter = "1";
            }
            Fixtures.sleep(Long.parseLong(retryAfter) * 1000);
        }
    }

    private static Map<String, String> hourly(String meter, String customer, Instant from, Instant to) {
        Map<String, String> out = new TreeMap<>();
        Fixtures.usage(meter, customer, from, to, "hour", null).forEach(r -> out.put(r.get("window_start").asText(), r.get("value").asText()));
        return out;
    }

    private static Map<String, String> asStrings(Map<Instant, ?> m) {
        Map<String, String> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k.toString(), v instanceof BigDecimal d ? dev.apimon.usage.meters.domain.JsonValues.plain(d) : v.toString()));
        return out;
    }
}
