package dev.apimon.quota.view.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.quota.limits.domain.Entitlements;
import dev.apimon.quota.limits.domain.Gcra;
import dev.apimon.quota.limits.domain.QuotaSpec;
import dev.apimon.quota.limits.domain.RateLimitSpec;
import dev.apimon.quota.view.domain.KeyRecord;
import dev.apimon.quota.view.domain.PlanDefinition;
import dev.apimon.quota.view.domain.PlanRef;
import dev.apimon.quota.view.domain.SubscriptionRecord;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Reads the snapshot payloads of keys.events, subscriptions.events and billing.catalog (docs/events.md) into view
 * records. Anything that does not fit the contract throws {@link PoisonException}: the record goes to the
 * dead-letter topic and the view keeps what it had.
 */
public final class SnapshotParser {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private final ObjectMapper json;
    private final Consumer<String> warn;

    public SnapshotParser(ObjectMapper json, Consumer<String> warn) {
        this.json = json;
        this.warn = warn;
    }

    public static class PoisonException extends RuntimeException {
        public PoisonException(String message) {
            super(message);
        }
    }

    public record Keys(String customerId, List<KeyRecord> keys) {
    }

    public Keys keys(String recordKey, byte[] value) {
        JsonNode root = tree(value);
        String customer = text(root, "customer_id", true);
        sameKey(recordKey, customer);
        JsonNode arr = root.get("keys");
        if (arr == null || !arr.isArray()) {
            throw new PoisonException("keys must be an array");
        }
        List<KeyRecord> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode k = arr.get(i);
            String at = "keys[" + i + "].";
            String hash = text(k, "key_hash", true);
            if (!HEX64.matcher(hash).matches()) {
                throw new PoisonException(at + "key_hash must be 64 lowercase hex characters");
            }
            String env = text(k, "env", true);
            if (!env.equals("live") && !env.equals("test")) {
                throw new PoisonException(at + "env must be live or test");
            }
            List<String> scopes = strings(k.get("scopes"), at + "scopes");
            Entitlements scopeMatcher = Entitlements.ofScopes(scopes, m -> warn.accept("key " + text(k, "id", false) + " scope ignored: " + m));
            out.add(new KeyRecord(text(k, "id", true), customer, hash, env, scopeMatcher,
                    instant(k, "expires_at", at), instant(k, "revoked_at", at)));
        }
        return new Keys(customer, out);
    }

    public SubscriptionRecord subscription(String recordKey, byte[] value) {
        JsonNode root = tree(value);
        String customer = text(root, "customer_id", true);
        sameKey(recordKey, customer);
        PlanRef plan = planRef(root.get("plan"), "plan");
        String status = text(root, "status", true);
        PlanRef scheduled = null;
        Instant scheduledAt = null;
        JsonNode sc = root.get("scheduled_change");
        if (sc != null && !sc.isNull()) {
            scheduled = planRef(sc.get("plan"), "scheduled_change.plan");
            scheduledAt = instant(sc, "at", "scheduled_change.");
            if (scheduledAt == null) {
                throw new PoisonException("scheduled_change.at is required");
            }
        }
        JsonNode cancel = root.get("cancel_at_period_end");
        Instant cancelAt = null;
        if (cancel != null && cancel.asBoolean(false)) {
            cancelAt = instant(root, "current_period_end", "");
            if (cancelAt == null) {
                throw new PoisonException("current_period_end is required when cancel_at_period_end is true");
            }
        }
        return new SubscriptionRecord(customer, text(root, "subscription_id", false), plan, status,
                instant(root, "period_anchor", ""), instant(root, "current_period_start", ""), scheduled, scheduledAt, cancelAt);
    }

    public PlanDefinition plan(String recordKey, byte[] value) {
        JsonNode root = tree(value);
        PlanRef ref = new PlanRef(text(root, "code", true), intValue(root, "version"));
        if (recordKey != null && !recordKey.equals(ref.key())) {
            throw new PoisonException("record key " + recordKey + " does not match " + ref.key());
        }
        List<RateLimitSpec> rates = new ArrayList<>();
        JsonNode rl = root.get("rate_limits");
        if (rl != null && !rl.isNull()) {
            for (int i = 0; i < rl.size(); i++) {
                JsonNode r = rl.get(i);
                String at = "rate_limits[" + i + "]";
                long limit = longValue(r, "limit", at);
                Duration window;
                try {
                    window = Duration.parse(text(r, "window", true));
                } catch (DateTimeParseException e) {
                    throw new PoisonException(at + ".window must be an ISO-8601 duration");
                }
                if (limit <= 0 || window.isZero() || window.isNegative()) {
                    throw new PoisonException(at + " needs limit > 0 and a positive window");
                }
                rates.add(new RateLimitSpec(text(r, "name", true), Gcra.of(limit, window.toNanos() / 1000)));
            }
        }
        Map<String, QuotaSpec> quotas = new LinkedHashMap<>();
        JsonNode qs = root.get("quotas");
        if (qs != null && !qs.isNull()) {
            for (int i = 0; i < qs.size(); i++) {
                JsonNode q = qs.get(i);
                String at = "quotas[" + i + "]";
                long limit = longValue(q, "limit", at);
                String enforcement = text(q, "enforcement", false);
                if (limit < 0 || (enforcement != null && !enforcement.equals("hard") && !enforcement.equals("soft"))) {
                    throw new PoisonException(at + " needs limit >= 0 and enforcement hard or soft");
                }
                String meter = text(q, "meter", true);
                quotas.put(meter, new QuotaSpec(meter, limit, !"soft".equals(enforcement)));
            }
        }
        List<String> ents = strings(root.get("entitlements"), "entitlements");
        Entitlements entitlements = Entitlements.ofPlan(ents, m -> warn.accept("plan " + ref.key() + " entitlement ignored: " + m));
        return new PlanDefinition(ref, text(root, "status", false), List.copyOf(rates), Map.copyOf(quotas), entitlements);
    }

    private JsonNode tree(byte[] value) {
        try {
            JsonNode n = json.readTree(value);
            if (n == null || !n.isObject()) {
                throw new PoisonException("payload is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new PoisonException("payload is not JSON: " + e.getMessage());
        }
    }

    private static void sameKey(String recordKey, String customer) {
        if (recordKey != null && !recordKey.equals(customer)) {
            throw new PoisonException("record key " + recordKey + " does not match customer_id " + customer);
        }
    }

    private static PlanRef planRef(JsonNode n, String at) {
        if (n == null || !n.isObject()) {
            throw new PoisonException(at + " must be {code, version}");
        }
        return new PlanRef(text(n, "code", true), intValue(n, "version"));
    }

    private static String text(JsonNode n, String field, boolean required) {
        JsonNode v = n == null ? null : n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new PoisonException(field + " is required");
            }
            return null;
        }
        if (!v.isTextual() || (required && v.asText().isBlank())) {
            throw new PoisonException(field + " must be a non-empty string");
        }
        return v.asText();
    }

    private static int intValue(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new PoisonException(field + " must be an integer");
        }
        return v.asInt();
    }

    private static long longValue(JsonNode n, String field, String at) {
        JsonNode v = n == null ? null : n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new PoisonException(at + "." + field + " must be an integer");
        }
        return v.asLong();
    }

    private static Instant instant(JsonNode n, String field, String at) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            throw new PoisonException(at + field + " must be an RFC 3339 UTC time");
        }
    }

    private static List<String> strings(JsonNode n, String at) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw new PoisonException(at + " must be an array of strings");
        }
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode s : n) {
            if (!s.isTextual()) {
                throw new PoisonException(at + " must be an array of strings");
            }
            out.add(s.asText());
        }
        return out;
    }
}
