package dev.apimon.k8s;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * k8s/external-secrets.txt: the Secrets the manifests reference but never contain - created by the operator of the
 * installation (or by a tool such as cert-manager). One per line, {@code name: key1, key2}; '#' starts a comment.
 */
final class ExternalSecrets {
    static final String FILE = "k8s/external-secrets.txt";

    private ExternalSecrets() {
    }

    static Map<String, Set<String>> load() {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        int n = 0;
        for (String line : Repo.read(FILE).split("\n")) {
            n++;
            String l = line.replaceFirst("#.*", "").trim();
            if (l.isEmpty()) {
                continue;
            }
            int colon = l.indexOf(':');
            if (colon < 1) {
                errors.add(FILE + ":" + n + ": expected 'name: key1, key2' but was '" + line + "'");
                continue;
            }
            String name = l.substring(0, colon).trim();
            Set<String> keys = new LinkedHashSet<>();
            Arrays.stream(l.substring(colon + 1).split(",")).map(String::trim).filter(k -> !k.isEmpty())
                    .forEach(keys::add);
            if (keys.isEmpty() || out.put(name, keys) != null) {
                errors.add(FILE + ":" + n + ": '" + name + "' has no keys or is listed twice");
            }
        }
        if (!errors.isEmpty()) {
            throw new AssertionError(String.join("\n", errors));
        }
        return out;
    }
}
