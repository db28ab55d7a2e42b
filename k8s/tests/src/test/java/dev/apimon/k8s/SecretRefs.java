package dev.apimon.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Secrets referenced outside containers: Ingress TLS, and operator resources (any {@code ...secret}/
 * {@code ...Secret} field holding {@code {name, key?}}: CloudNativePG initdb/role secrets, Keycloak DB secrets).
 */
final class SecretRefs {
    record Ref(String from, String name, Set<String> keys) {
    }

    private SecretRefs() {
    }

    static List<Ref> nonContainer(Render r) {
        List<Ref> out = new ArrayList<>();
        for (Ingress ing : r.all(Ingress.class)) {
            Optional.ofNullable(ing.getSpec().getTls()).orElse(List.of()).forEach(t -> out.add(new Ref(
                    "Ingress/" + ing.getMetadata().getName() + " tls", t.getSecretName(), Set.of("tls.crt", "tls.key"))));
        }
        for (GenericKubernetesResource g : r.all(GenericKubernetesResource.class)) {
            String id = g.getKind() + "/" + g.getMetadata().getName();
            if ("KeycloakRealmImport".equals(g.getKind())) {
                continue; // realm content, not Kubernetes references
            }
            walk(g.getKind(), id, "spec", CustomResources.spec(g), out);
        }
        return out;
    }

    private static void walk(String kind, String id, String path, Object node, List<Ref> out) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                String p = path + "." + key;
                if (key.toLowerCase().endsWith("secret") && e.getValue() instanceof Map<?, ?> ref
                        && ref.get("name") instanceof String name) {
                    Set<String> keys = ref.get("key") instanceof String k ? Set.of(k)
                            // CloudNativePG takes kubernetes.io/basic-auth Secrets without naming keys
                            : "Cluster".equals(kind) ? Set.of("username", "password") : Set.of();
                    out.add(new Ref(id + " " + p, name, keys));
                } else {
                    walk(kind, id, p, e.getValue(), out);
                }
            }
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(kind, id, path + "[" + i + "]", list.get(i), out);
            }
        }
    }
}
