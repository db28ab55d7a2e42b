package dev.apimon.usage.ingest.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.usage.meters.domain.Meter;
import dev.apimon.usage.meters.domain.MeterDefinitions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventValidatorTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    static final Meter BYTES = MeterDefinitions.validate("bytes", "api.request", "sum", "$.bytes", Map.of(), null, NOW);

    static final EventValidator.Context CTX = new EventValidator.Context() {
        public Instant now() {
            return NOW;
        }

        public Duration maxAge() {
            return Duration.ofDays(35);
        }

        public Duration maxFutureSkew() {
            return Duration.ofMinutes(5);
        }

        public Optional<String> customer(String subject) {
            return switch (subject) {
                case "cus_42", "acme-external" -> Optional.of("cus_42");
                default -> Optional.empty();
            };
        }

        public List<Meter> metersFor(String type) {
            return type.equals("api.request") ? List.of(BYTES) : List.of();
        }

        public com.fasterxml.jackson.databind.JsonNode parse(byte[] data) {
            try {
                return JSON.readTree(data);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    static CloudEventEnvelope envelope(String json) throws Exception {
        return CloudEventReader.read(JSON.getFactory(), json.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1000).events().get(0);
    }

    static String error(String event) throws Exception {
        var o = EventValidator.validate(envelope(event), 7, CTX);
        return o instanceof EventValidator.Invalid i ? i.rejection().error() : null;
    }

    static UsageEvent valid(String event) throws Exception {
        return valid(event, 0);
    }

    static UsageEvent valid(String event, int index) throws Exception {
        return assertInstanceOf(EventValidator.Valid.class, EventValidator.validate(envelope(event), index, CTX)).event();
    }

    @Test
    void acceptsTheContractExampleAndResolvesExternalIds() throws Exception {
        UsageEvent e = valid("{\"specversion\": \"1.0\", \"id\": \"req-7f3a\", \"source\": \"petstore-gateway\", \"type\": \"api.request\", "
                + "\"subject\": \"acme-external\", \"time\": \"2026-11-21T09:00:00+01:00\", \"data\": {\"endpoint\": \"GET /pets\", \"bytes\": 5120}}");
        assertEquals(new EventKey("cus_42", "petstore-gateway", "req-7f3a"), e.key());
        assertEquals(Instant.parse("2026-11-21T08:00:00Z"), e.time());
        assertEquals("2026-11-21T08:00:00Z", e.timeText(), "ce_time is UTC");
        assertEquals("live", e.env());
    }

    @Test
    void rfc3339FastPathAgreesWithTheJdk() {
        for (String t : new String[] {"2026-11-21T09:00:00Z", "2026-02-28T23:59:59.5Z", "2024-02-29T00:00:00.123456789Z",
                "2026-11-21t09:00:00z", "2026-11-21T10:00:00+01:00", "2026-11-21T09:00:00.25-00:30"}) {
            assertEquals(java.time.OffsetDateTime.parse(t.toUpperCase()).toInstant(), Rfc3339.parse(t), t);
        }
        for (String bad : new String[] {"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-21 09:00:00Z", "2026-11-21T24:00:00Z",
                "2026-11-21T09:00Z0000", "yesterday",
                // beyond the years PostgreSQL and JDBC take: the query APIs answered these with a 500
                "+999999999-12-31T00:00:00Z", "0000-06-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:00:00-05:00"}) {
            assertEquals(null, Rfc3339.parse(bad), bad);
        }
    }

    @Test
    void rejectsMissingAttributesWithAReasonPerItem() throws Exception {
        String base = "\"source\": \"gw\", \"type\": \"api.request\", \"subject\": \"cus_42\", \"data\": {\"bytes\": 1}";
        assertEquals("id is missing", error("{" + base + ", \"time\": \"2026-11-21T09:00:00Z\"}"));
        assertEquals("time is missing", error("{\"id\": \"x\", " + base + "}"));
        assertEquals("type is missing", error("{\"id\": \"x\", \"source\": \"gw\", \"subject\": \"cus_42\", \"time\": \"2026-11-21T09:00:00Z\"}"));
        assertEquals("source is missing", error("{\"id\": \"x\", \"type\": \"t\", \"subject\": \"cus_42\", \"time\": \"2026-11-21T09:00:00Z\"}"));
        assertEquals("time is not an RFC 3339 timestamp", error("{\"id\": \"x\", " + base + ", \"time\": \"yesterday\"}"));
        assertEquals("time is more than 35 days in the past", error("{\"id\": \"x\", " + base + ", \"time\": \"2026-10-01T00:00:00Z\"}"));
        assertEquals("time is more than 5 minutes in the future", error("{\"id\": \"x\", " + base + ", \"time\": \"2026-11-21T10:06:00Z\"}"));
        assertEquals("unknown customer 'cus_nobody'", error("{\"id\": \"x\", \"source\": \"gw\", \"type\": \"t\", \"subject\": \"cus_nobody\", "
                + "\"time\": \"2026-11-21T09:00:00Z\"}"));
        assertEquals("event is not a JSON object", error("[1]"));
        assertEquals("id must be a string", error("{\"id\": {\"a\": 1}}"));
        assertEquals("data must be a JSON object", error("{\"id\": \"x\", \"source\": \"gw\", \"type\": \"t\", \"subject\": \"cus_42\", "
                + "\"time\": \"2026-11-21T09:00:00Z\", \"data\": 5}"));
        assertEquals("env must be live or test", error("{\"id\": \"x\", " + base + ", \"time\": \"2026-11-21T09:00:00Z\", \"env\": \"prod\"}"));
    }

    @Test
    void textPostgresqlCannotStoreIsRefusedPerItem() throws Exception {
        String t = "\"time\": \"2026-11-21T09:00:00Z\"";
        assertEquals("id must not contain the character U+0000",
                error("{\"id\": \"a\\u0000b\", \"source\": \"gw\", \"type\": \"t\", \"subject\": \"cus_42\", " + t + "}"));
        assertEquals("source must not contain the character U+0000",
                error("{\"id\": \"x\", \"source\": \"g\\u0000w\", \"type\": \"t\", \"subject\": \"cus_42\", " + t + "}"));
        assertEquals("subject must not contain the character U+0000",
                error("{\"id\": \"x\", \"source\": \"gw\", \"type\": \"t\", \"subject\": \"cus_42\\u0000\", " + t + "}"));
        assertEquals("data must not contain the character U+0000 (\\u0000)",
                error("{\"id\": \"x\", \"source\": \"gw\", \"type\": \"t\", \"subject\": \"cus_42\", " + t + ", \"data\": {\"n\": \"a\\u0000\"}}"));
        // an escaped backslash followed by "u0000" is six ordinary characters: jsonb stores them
        valid("{\"id\": \"x\", \"source\": \"gw\", \"type\": \"t\", \"subject\": \"cus_42\", " + t + ", \"data\": {\"path\": \"C:\\\\u0000\"}}");
        // a string cut in the middle of an emoji: Jackson reads it, jsonb refuses it - the event is rejected, not
        // accepted and then dead-lettered by the raw log
        assertEquals("data must not contain an unpaired UTF-16 surrogate (\\ud83d)",
                error("{\"id\": \"x\", \"source\": \"gw\", \"type\": \"t\", \"subject\": \"cus_42\", " + t + ", \"data\": {\"ua\": \"\\ud83d\"}}"));
        assertEquals("id must not contain an unpaired UTF-16 surrogate",
                error("{\"id\": \"a\\udc00\", \"source\": \"gw\", \"type\": \"t\", \"subject\": \"cus_42\", " + t + "}"));
        valid("{\"id\": \"x\", \"source\": \"gw\", \"type\": \"t\", \"subject\": \"cus_42\", " + t + ", \"data\": {\"ua\": \"\\ud83d\\ude00\"}}");
    }

    @Test
    void aSumMeterNeedsANumericValue() throws Exception {
        String e = "{\"id\": \"x\", \"source\": \"gw\", \"type\": \"api.request\", \"subject\": \"cus_42\", \"time\": \"2026-11-21T09:00:00Z\", ";
        assertEquals("meter 'bytes' needs a numeric value at $.bytes (at most 30 digits before the point and 18 after it)", error(e + "\"data\": {\"bytes\": \"5 KB\"}}"));
        assertEquals("meter 'bytes' needs a numeric value at $.bytes (at most 30 digits before the point and 18 after it)", error(e + "\"data\": {}}"));
        UsageEvent ok = valid(e + "\"data\": { \"bytes\" : \"0.5\",\n \"x\": [1, {\"y\": 2}]}}");
        assertEquals("{ \"bytes\" : \"0.5\",\n \"x\": [1, {\"y\": 2}]}", new String(ok.payload(), java.nio.charset.StandardCharsets.UTF_8),
                "data travels exactly as received");
        assertEquals("{}", new String(valid(e.replace("api.request", "other") + "\"data\": null}").payload()));
    }

    @Test
    void correctionsStateOriginalActionAndReason() throws Exception {
        String e = "{\"id\": \"c1\", \"source\": \"billing-ops\", \"type\": \"com.apimon.usage.correction\", \"subject\": \"cus_42\", "
                + "\"time\": \"2026-11-21T09:00:00Z\", \"data\": ";
        UsageEvent c = valid(e + "{\"original\": {\"source\": \"gw\", \"id\": \"req-1\"}, \"action\": \"void\", \"reason\": \"test traffic\"}}");
        assertEquals(new EventKey("cus_42", "gw", "req-1"), c.corrects());
        assertEquals("a correction needs data.reason", error(e + "{\"original\": {\"source\": \"gw\", \"id\": \"r\"}, \"action\": \"void\"}}"));
        assertEquals("a replace correction needs data.data (the corrected event data)",
                error(e + "{\"original\": {\"source\": \"gw\", \"id\": \"r\"}, \"action\": \"replace\", \"reason\": \"x\"}}"));
        assertEquals("data.action must be void or replace",
                error(e + "{\"original\": {\"source\": \"gw\", \"id\": \"r\"}, \"action\": \"delete\", \"reason\": \"x\"}}"));
        assertEquals("a correction needs data.original with the source and id of the event it corrects",
                error(e + "{\"action\": \"void\", \"reason\": \"x\"}}"));
    }

    @Test
    void dedupPlanCountsRepeatsAndUnclaimedKeysAsDuplicates() throws Exception {
        String f = "{\"id\": \"%s\", \"source\": \"gw\", \"type\": \"t\", \"subject\": \"cus_42\", \"time\": \"%s\"}";
        UsageEvent c = valid(String.format(f, "c", "2026-11-21T09:00:00Z"), 0);
        UsageEvent a = valid(String.format(f, "a", "2026-11-21T09:00:00Z"), 1);
        UsageEvent aLater = valid(String.format(f, "a", "2026-11-21T09:30:00Z"), 2); // same identity, other timestamp
        UsageEvent b = valid(String.format(f, "b", "2026-11-21T09:00:00Z"), 3);
        DedupPlan plan = DedupPlan.of(List.of(c, a, aLater, b));
        assertEquals(List.of(a.key(), b.key(), c.key()), plan.candidates().stream().map(UsageEvent::key).toList(), "sorted by key");
        java.util.Set<EventKey> claimed = java.util.Set.of(a.key(), c.key()); // b was claimed by an earlier request
        assertEquals(List.of(c, a), plan.toPublish(claimed), "request order, first occurrence only");
        assertEquals(2, plan.duplicates(claimed), "aLater (same request) and b (earlier request)");
        // the ledger's single-column key cannot make two identities collide
        assertEquals("6:cus_428:gateway1req-1", new EventKey("cus_42", "gateway1", "req-1").ledgerKey());
        org.junit.jupiter.api.Assertions.assertNotEquals(new EventKey("a", "1:bc", "d").ledgerKey(), new EventKey("a1:b", "c", "d").ledgerKey());
        org.junit.jupiter.api.Assertions.assertNotEquals(new EventKey("ab", "c", "d").ledgerKey(), new EventKey("a", "bc", "d").ledgerKey());
    }
}
