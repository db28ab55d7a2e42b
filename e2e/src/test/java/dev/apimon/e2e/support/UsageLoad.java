package dev.apimon.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A gateway reporting usage the way a careful real one does: batches of CloudEvents to usage-service with its
 * client-credentials token, each batch retried unchanged until it is acknowledged (202) — after a 503 (honouring
 * Retry-After) or a connection failure (the service is down) — plus ~10% duplicates of events it already had
 * acknowledged (another timestamp and value: a replaying gateway) and, for one batch in five, the whole batch sent
 * again after its 202 (the answer was lost). It keeps the ground truth: every unique event, per customer.
 */
public final class UsageLoad {
    private static final Logger LOG = Logger.getLogger(UsageLoad.class.getName());
    public static final String TYPE = "e2e.load";
    /** A batch not acknowledged for this long means the stack did not recover: fail instead of hanging. */
    private static final Duration GIVE_UP = Duration.ofMinutes(2);
    private final String eventsUrl;
    private final Supplier<String> token;
    private final List<String> customers;
    private final Random random;
    private final String prefix;
    private final List<ObjectNode> acknowledged = new ArrayList<>();
    private final Map<String, Long> counts = new ConcurrentHashMap<>();
    private final Map<String, BigDecimal> units = new ConcurrentHashMap<>();
    private final AtomicInteger batches = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger missingRetryAfter = new AtomicInteger();
    private volatile boolean stopped;

    public UsageLoad(String usageUrl, Supplier<String> token, List<String> customers, String prefix, long seed) {
        this.eventsUrl = usageUrl + "/v1/events";
        this.token = token;
        this.customers = List.copyOf(customers);
        this.prefix = prefix;
        this.random = new Random(seed);
    }

    /** Sends {@code n} batches of {@code size} unique events (plus duplicates), each until acknowledged. */
    public void send(int n, int size) {
        for (int b = 0; b < n && !stopped; b++) {
            sendBatch(size);
        }
    }

    /** Sends batches until {@link #stop()}, pausing between them (a steady stream, not a saturated shared machine). */
    public void sendUntilStopped(int size, Duration pause) {
        while (!stopped) {
            sendBatch(size);
            Poll.pause(pause);
        }
    }

    public void stop() {
        stopped = true;
    }

    private void sendBatch(int size) {
        int b = batches.get();
        ArrayNode batch = Http.JSON.createArrayNode();
        List<ObjectNode> fresh = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < size; i++) {
            ObjectNode e = Http.JSON.createObjectNode();
            e.put("specversion", "1.0");
            e.put("id", prefix + "-b" + b + "-e" + i);
            e.put("source", "e2e-gateway");
            e.put("type", TYPE);
            e.put("subject", customers.get(random.nextInt(customers.size())));
            // within the last ten minutes: inside every customer's current period (anchored at least an hour ago)
            e.put("time", now.minusSeconds(random.nextInt(600)).truncatedTo(ChronoUnit.MILLIS).toString());
            e.putObject("data").put("endpoint", "GET /pets").put("units", new BigDecimal(random.nextInt(100_000)).movePointLeft(2).toPlainString());
            fresh.add(e);
            batch.add(e);
        }
        for (int i = 0; i < size / 10 && !acknowledged.isEmpty(); i++) {
            ObjectNode dup = acknowledged.get(random.nextInt(acknowledged.size())).deepCopy();
            dup.put("time", Instant.parse(dup.get("time").asText()).minusSeconds(17).toString());
            ((ObjectNode) dup.get("data")).put("units", "99999.99");
            batch.add(dup);
        }
        String body = batch.toString();
        post(body);
        // the ground truth counts an event once it is acknowledged (a 202 covering it), never before
        for (ObjectNode e : fresh) {
            String customer = e.get("subject").asText();
            counts.merge(customer, 1L, Long::sum);
            units.merge(customer, new BigDecimal(e.get("data").get("units").asText()), BigDecimal::add);
        }
        acknowledged.addAll(fresh);
        batches.incrementAndGet();
        if (random.nextInt(5) == 0) {
            post(body); // the 202 was "lost": the same batch again
        }
    }

    /** Posts until a 202: retries after 503 (Retry-After) and after connection failures, like a client that must not lose usage. */
    private void post(String body) {
        long backoffMs = 200;
        long giveUp = System.nanoTime() + GIVE_UP.toNanos();
        while (true) {
            if (System.nanoTime() > giveUp) {
                throw new AssertionError("usage-service acknowledged no retry of a batch for " + GIVE_UP + " (" + this + ")");
            }
            requests.incrementAndGet();
            try {
                Http.Reply r = Http.send(Http.request(eventsUrl, token.get(), Map.of())
                        .header("Content-Type", "application/cloudevents-batch+json").POST(HttpRequest.BodyPublishers.ofString(body)));
                if (r.status() == 202) {
                    JsonNode answer = r.json();
                    if (answer.path("rejected").size() > 0) {
                        throw new AssertionError("usage-service rejected events of a valid batch: " + answer.get("rejected"));
                    }
                    return;
                }
                if (r.status() == 503) {
                    unavailable.incrementAndGet();
                    String retryAfter = r.header("Retry-After");
                    if (retryAfter == null) {
                        missingRetryAfter.incrementAndGet();
                    }
                    Poll.pause(retryAfter == null ? 1000 : Long.parseLong(retryAfter) * 1000);
                    continue;
                }
                // anything else (e.g. 401 while Keycloak is slow, 500) is retried too, but noted
                refused.incrementAndGet();
                LOG.warning("usage ingest answered " + r.status() + ": " + r.body());
            } catch (Http.TransportFailure e) {
                refused.incrementAndGet(); // the service is down or restarting
            }
            Poll.pause(backoffMs);
            backoffMs = Math.min(2000, backoffMs * 2);
        }
    }

    /** Unique events acknowledged for the customer. */
    public long count(String customer) {
        return counts.getOrDefault(customer, 0L);
    }

    /** Sum of the acknowledged unique events' {@code units}. */
    public BigDecimal units(String customer) {
        return units.getOrDefault(customer, BigDecimal.ZERO);
    }

    public int acknowledgedBatches() {
        return batches.get();
    }

    public int unavailableAnswers() {
        return unavailable.get();
    }

    public int missingRetryAfter() {
        return missingRetryAfter.get();
    }

    @Override
    public String toString() {
        return String.format("%d batches acknowledged in %d requests (%d answered 503, %d failed to connect or refused); truth %s",
                batches.get(), requests.get(), unavailable.get(), refused.get(), counts);
    }
}
