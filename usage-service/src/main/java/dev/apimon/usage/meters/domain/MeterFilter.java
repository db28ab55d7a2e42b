package dev.apimon.usage.meters.domain;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which events a meter counts, on top of its event type: an AND of conditions on event data, written as
 * {@code {"$.status": {"gte": 200, "lt": 300}, "$.method": "GET", "$.region": {"in": ["eu", "us"]}}}.
 * A bare value means equality. Numbers compare numerically (200 equals "200.0"), everything else exactly.
 */
public final class MeterFilter {
    public static final MeterFilter NONE = new MeterFilter(List.of());
    static final Set<String> OPERATORS = Set.of("eq", "ne", "in", "nin", "gt", "gte", "lt", "lte", "exists");

    private record Condition(JsonPath path, String op, JsonNode operand) {
    }

    private final List<Condition> conditions;

    private MeterFilter(List<Condition> conditions) {
        this.conditions = conditions;
    }

    /** Parses a stored filter object; throws IllegalArgumentException naming the offending path. */
    public static MeterFilter parse(JsonNode filter) {
        return parse(filter, false);
    }

    /**
     * @param newDefinition also refuse number operands no event value is read as (else no value could ever equal
     *                      them). Stored definitions are not held to it - one written before this rule must not stop
     *                      every meter from loading; comparing with such an operand simply never matches.
     */
    public static MeterFilter parse(JsonNode filter, boolean newDefinition) {
        if (filter == null || filter.isNull() || (filter.isObject() && filter.isEmpty())) {
            return NONE;
        }
        if (!filter.isObject()) {
            throw new IllegalArgumentException("must be an object of JSONPath -> condition");
        }
        List<Condition> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = filter.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonPath path;
            try {
                path = JsonPath.parse(e.getKey());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("'" + e.getKey() + "' " + ex.getMessage());
            }
            JsonNode cond = e.getValue();
            if (cond.isObject()) {
                if (cond.isEmpty()) {
                    throw new IllegalArgumentException("'" + e.getKey() + "' has an empty condition");
                }
                for (Iterator<Map.Entry<String, JsonNode>> ops = cond.fields(); ops.hasNext(); ) {
                    Map.Entry<String, JsonNode> op = ops.next();
                    out.add(condition(e.getKey(), path, op.getKey(), op.getValue(), newDefinition));
                }
            } else {
                out.add(condition(e.getKey(), path, "eq", cond, newDefinition));
            }
        }
        return new MeterFilter(List.copyOf(out));
    }

    private static Condition condition(String key, JsonPath path, String op, JsonNode operand, boolean newDefinition) {
        if (!OPERATORS.contains(op)) {
            throw new IllegalArgumentException("'" + key + "' uses unknown operator '" + op + "' (supported: "
                    + String.join(", ", OPERATORS.stream().sorted().toList()) + ")");
        }
        switch (op) {
            case "in", "nin" -> {
                if (!operand.isArray() || operand.isEmpty()) {
                    throw new IllegalArgumentException("'" + key + "' " + op + " needs a non-empty array");
                }
                for (JsonNode candidate : operand) {
                    if (candidate.isContainerNode()) {
                        throw new IllegalArgumentException("'" + key + "' " + op + " needs an array of scalars");
                    }
                }
            }
            case "gt", "gte", "lt", "lte" -> {
                if (JsonValues.decimal(operand) == null) {
                    throw new IllegalArgumentException("'" + key + "' " + op + " needs a number");
                }
            }
            case "exists" -> {
                if (!operand.isBoolean()) {
                    throw new IllegalArgumentException("'" + key + "' exists needs true or false");
                }
            }
            default -> {
                if (operand.isContainerNode()) {
                    throw new IllegalArgumentException("'" + key + "' " + op + " needs a scalar");
                }
            }
        }
        if (newDefinition) {
            requireComparable(key, op, operand);
        }
        return new Condition(path, op, operand);
    }

    private static void requireComparable(String key, String op, JsonNode operand) {
        for (JsonNode n : operand.isArray() ? operand : List.of(operand)) {
            if (n.isNumber() && JsonValues.decimal(n) == null) {
                throw new IllegalArgumentException("'" + key + "' " + op + " needs numbers of at most " + JsonValues.MAX_INTEGER_DIGITS
                        + " digits before the point and " + JsonValues.MAX_DECIMALS + " after it");
            }
        }
    }

    public boolean matches(JsonNode data) {
        for (Condition c : conditions) {
            if (!holds(c, c.path.read(data))) {
                return false;
            }
        }
        return true;
    }

    private static boolean holds(Condition c, JsonNode v) {
        boolean present = v != null && !v.isNull();
        return switch (c.op) {
            case "exists" -> present == c.operand.booleanValue();
            case "eq" -> c.operand.isNull() ? !present : present && same(v, c.operand);
            case "ne" -> c.operand.isNull() ? present : !present || !same(v, c.operand);
            case "in" -> present && anySame(v, c.operand);
            case "nin" -> !present || !anySame(v, c.operand);
            default -> {
                BigDecimal a = JsonValues.decimal(v);
                BigDecimal b = JsonValues.decimal(c.operand); // never null for a filter parse() accepted
                if (a == null || b == null) {
                    yield false;
                }
                int cmp = a.compareTo(b);
                yield switch (c.op) {
                    case "gt" -> cmp > 0;
                    case "gte" -> cmp >= 0;
                    case "lt" -> cmp < 0;
                    default -> cmp <= 0;
                };
            }
        };
    }

    private static boolean anySame(JsonNode v, JsonNode candidates) {
        for (JsonNode c : candidates) {
            if (same(v, c)) {
                return true;
            }
        }
        return false;
    }

    private static boolean same(JsonNode v, JsonNode operand) {
        if (operand.isNumber()) {
            BigDecimal a = JsonValues.decimal(v);
            BigDecimal b = JsonValues.decimal(operand);
            return a != null && b != null && a.compareTo(b) == 0;
        }
        if (operand.isNull()) {
            return v == null || v.isNull();
        }
        return v.isValueNode() && !v.isNumber() && v.asText().equals(operand.asText()) && v.isBoolean() == operand.isBoolean();
    }

    public boolean isEmpty() {
        return conditions.isEmpty();
    }
}
