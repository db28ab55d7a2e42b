package dev.apimon.usage.ingest.domain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.platform.json.StorableText;
import dev.apimon.usage.meters.domain.Meter;
import dev.apimon.usage.meters.domain.MeterReading;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks one CloudEvent of an ingest request. Everything that decides acceptance without the database lives
 * here; the caller resolves customers in bulk beforehand and hands them in through {@link Context}.
 */
public final class EventValidator {
    public static final String CORRECTION_TYPE = "com.apimon.usage.correction";
    public static final String LIVE = "live";
    public static final String TEST = "test";
    static final int MAX_ID = 256;

    /** What validation needs from the outside world. */
    public interface Context {
        Instant now();

        /** How far back an event's time may be: the dedup window (older events could no longer be deduplicated). */
        Duration maxAge();

        Duration maxFutureSkew();

        /** The customer id for a subject (an id or an external id), if the customer is known. */
        Optional<String> customer(String subject);

        List<Meter> metersFor(String eventType);

        /** Parses event data (bytes that are known to be a well-formed JSON object). */
        JsonNode parse(byte[] data);
    }

    public sealed interface Outcome {
    }

    public record Valid(UsageEvent event) implements Outcome {
    }

    public record Invalid(Rejection rejection) implements Outcome {
    }

    private EventValidator() {
    }

    private static final byte[] EMPTY_OBJECT = {'{', '}'};

    public static Outcome validate(CloudEventEnvelope e, int index, Context ctx) {
        String id = e.id();
        if (e.problem() != null) {
            return reject(index, id, e.problem());
        }
        if (id == null) {
            return reject(index, null, "id is missing");
        }
        if (id.length() > MAX_ID) {
            return reject(index, id, "id is longer than " + MAX_ID + " characters");
        }
        if (e.specversion() != null && !"1.0".equals(e.specversion())) {
            return reject(index, id, "specversion must be 1.0");
        }
        String source = e.source();
        if (source == null) {
            return reject(index, id, "source is missing");
        }
        if (source.length() > MAX_ID) {
            return reject(index, id, "source is longer than " + MAX_ID + " characters");
        }
        String type = e.type();
        if (type == null) {
            return reject(index, id, "type is missing");
        }
        if (type.length() > 200) {
            return reject(index, id, "type is longer than 200 characters");
        }
        if (e.time() == null) {
            return reject(index, id, "time is missing");
        }
        Instant time = Rfc3339.parse(e.time());
        if (time == null) {
            return reject(index, id, "time is not an RFC 3339 timestamp");
        }
        Instant now = ctx.now();
        if (time.isBefore(now.minus(ctx.maxAge()))) {
            return reject(index, id, "time is more than " + ctx.maxAge().toDays() + " days in the past");
        }
        if (time.isAfter(now.plus(ctx.maxFutureSkew()))) {
            return reject(index, id, "time is more than " + ctx.maxFutureSkew().toMinutes() + " minutes in the future");
        }
        if (e.subject() == null) {
            return reject(index, id, "subject is missing (the customer id or external id)");
        }
        // text and jsonb PostgreSQL cannot hold (U+0000, unpaired surrogates, non-UTF-8 bytes): refused here, per
        // item, instead of failing the batch later - or, for data, being accepted and then refused by the raw log
        String field = "id";
        String unstorable = StorableText.problem(id);
        if (unstorable == null && (unstorable = StorableText.problem(source)) != null) {
            field = "source";
        } else if (unstorable == null && (unstorable = StorableText.problem(type)) != null) {
            field = "type";
        } else if (unstorable == null && (unstorable = StorableText.problem(e.subject())) != null) {
            field = "subject";
        }
        if (unstorable != null) {
            return reject(index, field.equals("id") ? null : id, field + " " + unstorable);
        }
        if (e.data() != null && (unstorable = StorableText.jsonProblem(e.data())) != null) {
            return reject(index, id, "data " + unstorable);
        }
        // before any parse: such numbers also break the parse (1e3000000000 overflows BigDecimal's exponent)
        if (e.data() != null && (unstorable = JsonbNumbers.problem(e.data())) != null) {
            return reject(index, id, "data " + unstorable);
        }
        String contentType = e.datacontenttype();
        if (contentType != null && !contentType.toLowerCase(Locale.ROOT).matches("application/([a-z.+-]*\\+)?json.*")) {
            return reject(index, id, "datacontenttype must be application/json");
        }
        if (e.hasDataBase64()) {
            return reject(index, id, "data_base64 is not supported: send data as a JSON object");
        }
        if (!e.dataIsObject()) {
            return reject(index, id, "data must be a JSON object");
        }
        String env = LIVE;
        if (e.env() != null) {
            env = e.env();
            if (!LIVE.equals(env) && !TEST.equals(env)) {
                return reject(index, id, "env must be live or test");
            }
        }
        Optional<String> customer = ctx.customer(e.subject());
        if (customer.isEmpty()) {
            return reject(index, id, "unknown customer '" + e.subject() + "'");
        }
        byte[] payload = e.data() == null ? EMPTY_OBJECT : e.data();
        EventKey corrects = null;
        if (CORRECTION_TYPE.equals(type)) {
            JsonNode data = ctx.parse(payload);
            String problem = correctionProblem(data);
            if (problem != null) {
                return reject(index, id, problem);
            }
            JsonNode original = data.get("original");
            corrects = new EventKey(customer.get(), original.get("source").asText(), original.get("id").asText());
        } else {
            JsonNode data = null;
            for (Meter m : ctx.metersFor(type)) {
                if (!MeterReading.readsData(m)) {
                    continue;
                }
                if (data == null) {
                    data = ctx.parse(payload);
                }
                String problem = MeterReading.problem(m, type, data);
                if (problem != null) {
                    return reject(index, id, problem);
                }
            }
        }
        // ce_time carries the time as sent when it is already UTC ("...Z"), else its UTC form
        String timeText = e.time().endsWith("Z") ? e.time() : time.toString();
        return new Valid(new UsageEvent(index, id, source, type, customer.get(), time, timeText, env, payload, corrects));
    }

    /**
     * A correction states what it corrects, what changes and why:
     * {@code {"original": {"source", "id"}, "action": "void" | "replace", "data": {...} (replace only), "reason"}}.
     */
    public static String correctionProblem(JsonNode data) {
        JsonNode original = data.get("original");
        if (original == null || !original.isObject() || text(original, "source") == null || text(original, "id") == null) {
            return "a correction needs data.original with the source and id of the event it corrects";
        }
        String reason = text(data, "reason");
        if (reason == null) {
            return "a correction needs data.reason";
        }
        if (reason.length() > 1000) {
            return "data.reason is longer than 1000 characters";
        }
        String action = text(data, "action");
        if ("void".equals(action)) {
            return data.has("data") ? "a void correction takes no data" : null;
        }
        if ("replace".equals(action)) {
            JsonNode replacement = data.get("data");
            return replacement == null || !replacement.isObject() ? "a replace correction needs data.data (the corrected event data)" : null;
        }
        return "data.action must be void or replace";
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isValueNode() || v.isNull()) {
            return null;
        }
        String s = v.asText();
        return s.isBlank() ? null : s;
    }

    private static Invalid reject(int index, String id, String reason) {
        return new Invalid(new Rejection(index, id, reason));
    }
}
