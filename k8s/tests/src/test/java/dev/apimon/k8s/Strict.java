package dev.apimon.k8s;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds fields the fabric8 model did not recognise. fabric8 never fails on an unknown field: it keeps it in the
 * object's {@code additionalProperties}. So a typo ({@code readinessprobe}, {@code secretKeyref}) or a field at the
 * wrong level would pass a plain deserialization - this walks the whole typed object graph and reports every
 * non-empty {@code additionalProperties} map with its path.
 */
final class Strict {
    private Strict() {
    }

    static List<String> unknownFields(Object root, String label) {
        List<String> out = new ArrayList<>();
        walk(root, label, out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private static void walk(Object o, String path, List<String> out, Set<Object> seen) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum<?>
                || o instanceof Character) {
            return;
        }
        if (o instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                walk(e.getValue(), path + "[" + e.getKey() + "]", out, seen);
            }
            return;
        }
        if (o instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                walk(item, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        Class<?> type = o.getClass();
        if (!type.getName().startsWith("io.fabric8.") || !seen.add(o)) {
            return;
        }
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())
                    || !m.getDeclaringClass().getName().startsWith("io.fabric8.")) {
                continue;
            }
            String n = m.getName();
            String property;
            if (n.startsWith("get") && n.length() > 3) {
                property = Character.toLowerCase(n.charAt(3)) + n.substring(4);
            } else if (n.startsWith("is") && n.length() > 2 && (m.getReturnType() == Boolean.class)) {
                property = Character.toLowerCase(n.charAt(2)) + n.substring(3);
            } else {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue; // derived getters (Quantity#getNumericalAmount, ...) may throw: not fields
            }
            if ("additionalProperties".equals(property)) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    out.add(path + ": unknown field(s) " + extra.keySet());
                }
                continue;
            }
            walk(value, path + "." + property, out, seen);
        }
    }
}
