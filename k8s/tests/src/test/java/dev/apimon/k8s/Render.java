package dev.apimon.k8s;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One overlay rendered with {@code kubectl kustomize} and parsed strictly: every document becomes a typed fabric8
 * object (built-in kinds) or a {@link GenericKubernetesResource} (the CRDs of {@link CustomResources}); an unknown
 * field anywhere in a built-in kind, an unknown kind, or an unknown custom resource is an error.
 */
final class Render {
    static final List<String> OVERLAYS = List.of("dev", "prod");
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    /** Raw reader; a key repeated in one mapping is an error (the API server would keep only one of them). */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Pattern DOC_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
    private static final Map<String, Render> CACHE = new ConcurrentHashMap<>();

    /** A rendered object: the typed (or generic) object and the raw document it came from. */
    record Doc(HasMetadata object, Map<String, Object> raw, String yaml) {
        String id() {
            return object.getKind() + "/" + object.getMetadata().getName();
        }
    }

    final String overlay;
    final String yaml;
    final List<Doc> docs;
    /** Strictness problems found while parsing (empty when every document is well-formed). */
    final List<String> problems;

    private Render(String overlay, String yaml, List<Doc> docs, List<String> problems) {
        this.overlay = overlay;
        this.yaml = yaml;
        this.docs = docs;
        this.problems = problems;
    }

    static Render of(String overlay) {
        return CACHE.computeIfAbsent(overlay, Render::render);
    }

    static String kubectl() {
        return Optional.ofNullable(System.getenv("KUBECTL")).orElse("kubectl");
    }

    /** Runs {@code kubectl kustomize DIR} (offline; kubectl's built-in kustomize) and returns its output. */
    static String kustomize(String dirRelativeToRoot) {
        ProcessBuilder pb = new ProcessBuilder(kubectl(), "kustomize", Repo.path(dirRelativeToRoot).toString())
                .directory(Repo.root().toFile());
        pb.environment().put("KUBECONFIG", "/dev/null");
        try {
            Process p = pb.start();
            byte[][] out = new byte[2][];
            Thread err = new Thread(() -> out[1] = readAll(p.getErrorStream()));
            err.start();
            out[0] = readAll(p.getInputStream());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + dirRelativeToRoot + " timed out");
            }
            err.join();
            String stdout = new String(out[0], StandardCharsets.UTF_8);
            String stderr = new String(out[1], StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("kubectl kustomize " + dirRelativeToRoot + " failed (exit " + p.exitValue()
                        + "):\n" + stderr);
            }
            return stdout;
        } catch (IOException e) {
            throw new AssertionError("cannot run '" + kubectl() + " kustomize' (set KUBECTL to kubectl's path): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in; ByteArrayOutputStream buf = new ByteArrayOutputStream()) {
            in.transferTo(buf);
            return buf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Render render(String overlay) {
        String yaml = kustomize("k8s/overlays/" + overlay);
        List<Doc> docs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int index = 0;
        for (String part : DOC_SEPARATOR.split(yaml)) {
            if (part.isBlank()) {
                continue;
            }
            index++;
            Map<String, Object> raw;
            try {
                raw = YAML.readValue(part, Map.class);
            } catch (IOException e) {
                problems.add("document #" + index + " is not valid YAML: " + e.getMessage());
                continue;
            }
            String label = "document #" + index + " (" + raw.get("kind") + "/" + name(raw) + ")";
            KubernetesResource parsed;
            try {
                parsed = SERIALIZATION.unmarshal(part, KubernetesResource.class);
            } catch (RuntimeException e) {
                problems.add(label + " does not deserialize: " + e.getMessage());
                continue;
            }
            if (!(parsed instanceof HasMetadata object)) {
                problems.add(label + " is not a Kubernetes object: " + parsed);
                continue;
            }
            if (object.getMetadata() == null || object.getMetadata().getName() == null
                    || object.getMetadata().getName().isBlank()) {
                problems.add(label + " has no metadata.name");
                continue;
            }
            if (object instanceof GenericKubernetesResource generic) {
                problems.addAll(CustomResources.check(generic, label));
            } else {
                problems.addAll(Strict.unknownFields(object, object.getKind() + "/" + object.getMetadata().getName()));
            }
            docs.add(new Doc(object, raw, part));
        }
        if (docs.isEmpty()) {
            problems.add("overlay " + overlay + " rendered no objects");
        }
        return new Render(overlay, yaml, Collections.unmodifiableList(docs), Collections.unmodifiableList(problems));
    }

    @SuppressWarnings("unchecked")
    private static Object name(Map<String, Object> raw) {
        Object md = raw.get("metadata");
        return md instanceof Map<?, ?> m ? ((Map<String, Object>) m).get("name") : null;
    }

    // ---- queries ----

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return docs.stream().map(Doc::object).filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
    }

    List<GenericKubernetesResource> custom(String apiVersion, String kind) {
        return all(GenericKubernetesResource.class).stream()
                .filter(g -> apiVersion.equals(g.getApiVersion()) && kind.equals(g.getKind())).toList();
    }

    Stream<Doc> stream() {
        return docs.stream();
    }

    @Override
    public String toString() {
        return overlay;
    }
}
