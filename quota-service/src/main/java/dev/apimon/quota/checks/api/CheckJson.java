package dev.apimon.quota.checks.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.Problem;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.quota.checks.domain.Decision;
import dev.apimon.quota.checks.domain.LimitState;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The JSON of {@code POST /v1/checks} without databinding: a streaming read of the few request fields and a
 * hand-written answer. Databinding both (reflection-driven serializers, a BigDecimal, a record, RESTEasy's writer
 * chain) cost more per check than the decision itself. The output is the same document {@link CheckResponse}
 * gives through Jackson (snake_case, nulls and false flags omitted) — {@code CheckJsonTest} compares the two.
 */
public final class CheckJson {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private CheckJson() {
    }

    /**
     * Reads the check body with the same leniency as Jackson's databinding of {@link CheckRequest} did: unknown
     * fields ignored, scalars accepted as text, numbers and numeric strings as cost. {@code data} (rare, free-form)
     * is still bound by the mapper.
     *
     * @throws ProblemException 400 for a body that is not a JSON object or a field of the wrong shape
     */
    public static CheckRequest read(ObjectMapper mapper, byte[] body) {
        return read(mapper, body, 0, body.length);
    }

    /** As {@link #read(ObjectMapper, byte[])}, from a slice of an array (the request buffer's own, not a copy). */
    public static CheckRequest read(ObjectMapper mapper, byte[] body, int offset, int length) {
        if (length == 0) {
            throw ProblemException.invalid("body", "a JSON object is required");
        }
        String key = null;
        String operation = null;
        BigDecimal cost = null;
        String meter = null;
        Boolean record = null;
        String requestId = null;
        String type = null;
        Map<String, Object> data = null;
        String field = "body";
        try (JsonParser p = mapper.getFactory().createParser(body, offset, length)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) {
                throw ProblemException.invalid("body", "a JSON object is required");
            }
            if (t != JsonToken.START_OBJECT) {
                throw malformed("body", "a JSON object is required");
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "key" -> key = text(p, v, field);
                    case "operation" -> operation = text(p, v, field);
                    case "meter" -> meter = text(p, v, field);
                    case "request_id" -> requestId = text(p, v, field);
                    case "type" -> type = text(p, v, field);
                    case "cost" -> cost = decimal(p, v, field);
                    case "record" -> record = bool(p, v, field);
                    case "data" -> {
                        if (v == JsonToken.START_OBJECT) {
                            data = p.readValueAs(MAP);
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw malformed(field, "must be a JSON object");
                        }
                    }
                    default -> p.skipChildren();
                }
                field = "body";
            }
            if (t != JsonToken.END_OBJECT) {
                throw malformed("body", "malformed JSON");
            }
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage() == null ? "malformed JSON" : firstLine(e.getOriginalMessage());
            throw malformed(field, msg);
        } catch (IOException e) {
            throw malformed(field, "malformed JSON");
        }
        return new CheckRequest(key, operation, cost, meter, record, requestId, type, data);
    }

    private static String text(JsonParser p, JsonToken v, String field) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v.isScalarValue()) {
            return p.getText(); // Jackson binds 42 or true to a String field as "42"/"true"
        }
        throw malformed(field, "must be a string");
    }

    private static BigDecimal decimal(JsonParser p, JsonToken v, String field) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getDecimalValue();
        }
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v == JsonToken.VALUE_STRING) {
            try {
                return new BigDecimal(p.getText().strip());
            } catch (NumberFormatException e) {
                throw malformed(field, "must be a number");
            }
        }
        throw malformed(field, "must be a number");
    }

    private static Boolean bool(JsonParser p, JsonToken v, String field) throws IOException {
        return switch (v) {
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            case VALUE_NUMBER_INT -> p.getLongValue() != 0;
            case VALUE_STRING -> switch (p.getText().strip()) {
                case "true", "True", "TRUE" -> Boolean.TRUE;
                case "false", "False", "FALSE", "" -> Boolean.FALSE;
                default -> throw malformed(field, "must be true or false");
            };
            default -> throw malformed(field, "must be true or false");
        };
    }

    private static String firstLine(String msg) {
        int nl = msg.indexOf('\n');
        return nl > 0 ? msg.substring(0, nl) : msg;
    }

    /** The same problem platform-common's mapper answers for unreadable JSON. */
    private static ProblemException malformed(String field, String message) {
        return new ProblemException(400, "MALFORMED_JSON", "Malformed request body",
                "body".equals(field) ? message : field + ": " + message, List.of(new FieldError(field, message)));
    }

    /**
     * The decision document, encoded once into the buffer the response is sent from, sized from its limits (~200
     * bytes of fields, at most ~190 per limit) so that it does not grow: 512 bytes fixed made every answer with
     * two limits copy itself into a new 1024-byte array.
     */
    public static Buffer write(Decision d) {
        JsonBuffer b = new JsonBuffer(256 + 192 * d.limits().size());
        b.raw("{\"allowed\":").bool(d.allowed());
        b.raw(",\"code\":\"").raw(d.code().name()).raw('"');
        string(b, "reason", d.reason());
        string(b, "customer_id", d.customerId());
        string(b, "key_id", d.keyId());
        string(b, "env", d.env());
        if (d.plan() != null) {
            b.raw(",\"plan\":{\"code\":");
            if (d.plan().code() == null) {
                b.raw("null");
            } else {
                b.string(d.plan().code());
            }
            b.raw(",\"version\":").number(d.plan().version()).raw('}');
        }
        b.raw(",\"limits\":[");
        List<LimitState> limits = d.limits();
        for (int i = 0; i < limits.size(); i++) {
            LimitState l = limits.get(i);
            boolean rate = LimitState.RATE.equals(l.kind());
            b.raw(i == 0 ? "{" : ",{");
            b.raw("\"kind\":").string(l.kind());
            string(b, "name", l.name());
            string(b, "meter", l.meter());
            b.raw(",\"limit\":").number(l.limit());
            if (l.used() != null) {
                b.raw(",\"used\":").number(l.used().longValue());
            }
            b.raw(",\"remaining\":").number(l.remaining());
            if (rate) {
                b.raw(",\"reset_seconds\":").number(l.resetSeconds());
            }
            if (l.resetAt() != null) {
                b.raw(",\"reset_at\":\"").raw(l.resetAt().toString()).raw('"'); // Instant.toString is ISO-8601, as Jackson writes it
            }
            string(b, "enforcement", l.enforcement());
            if (rate) {
                b.raw(",\"window_seconds\":").number(l.windowSeconds());
            }
            if (l.overQuota()) {
                b.raw(",\"over_quota\":true");
            }
            b.raw('}');
        }
        b.raw(']');
        if (d.retryAfterSeconds() != null) {
            b.raw(",\"retry_after_seconds\":").number(d.retryAfterSeconds().longValue());
        }
        if (d.overQuota()) {
            b.raw(",\"over_quota\":true");
        }
        if (d.degraded()) {
            b.raw(",\"degraded\":true");
        }
        if (d.duplicate()) {
            b.raw(",\"duplicate\":true");
        }
        return b.raw('}').buffer();
    }

    /** A problem document (rare path: through the mapper, exactly as the JAX-RS exception mappers write it). */
    public static byte[] problem(ObjectMapper mapper, Problem p) {
        try {
            return mapper.writeValueAsBytes(p);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void string(JsonBuffer b, String name, String value) {
        if (value != null) {
            b.raw(",\"").raw(name).raw("\":").string(value);
        }
    }
}
