package dev.apimon.k8s;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Configuration parity: every setting of a service's application.properties that must differ in a cluster
 * (addresses of other servers, credentials, anything taken from an ${ENV} placeholder) is set in the Deployment's
 * environment - ConfigMap via envFrom, or a Secret - under the exact name Quarkus maps it from
 * (quarkus.datasource.jdbc.url -> QUARKUS_DATASOURCE_JDBC_URL), and no value in the cluster points at localhost.
 */
class ConfigParityTest {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.\\-]+)(?::[^}]*)?}");
    /** Values Quarkus generates itself (e.g. a per-instance consumer group), not read from the environment. */
    private static final java.util.Set<String> GENERATED = java.util.Set.of("quarkus.uuid");
    private static final Pattern LOCAL = Pattern.compile("(127\\.0\\.0\\.1|localhost)");
    private static final Pattern SENSITIVE = Pattern.compile(
            "(?i)(?!.*token.state.manager)(?!.*split.tokens)(?!.*token.path)(?!.*early.tokens)(?!.*oidc.token.refresh).*(password|username|secret|pepper|api-key|apikey|token|credentials).*");
    private static final Pattern ADDRESS = Pattern.compile("(?i).*([.-]url|\\.hosts|bootstrap\\.servers|\\.host)$");

    static List<String> overlays() {
        return Render.OVERLAYS;
    }

    /** Quarkus' environment-variable name for a property: non-alphanumerics become '_', upper case. */
    static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    static Properties applicationProperties(String service) {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(Repo.path(service + "/src/main/resources/application.properties"))) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(service + ": cannot read application.properties", e);
        }
        return props;
    }

    /** The environment names the deployed service must receive, each with the property that needs it. */
    static Map<String, String> requiredEnv(Properties props) {
        Map<String, String> out = new TreeMap<>();
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("%")) {
                // dev/test profile values never apply in the cluster: a credential or address that only a profile
                // sets (%test.apimon.keys.pepper=...) must come from the environment in prod
                String base = key.substring(key.indexOf('.') + 1);
                if (!props.containsKey(base) && (SENSITIVE.matcher(base).matches() || ADDRESS.matcher(base).matches())) {
                    out.putIfAbsent(envName(base), key + " (set only in a profile)");
                }
                continue;
            }
            String value = props.getProperty(key);
            Matcher m = PLACEHOLDER.matcher(value);
            boolean placeholder = false;
            while (m.find()) {
                placeholder = true;
                // ${quarkus.oidc.client-id}: a reference to another property of the file, checked as that property
                if (!GENERATED.contains(m.group(1)) && !props.containsKey(m.group(1))) {
                    out.put(envName(m.group(1)), key + "=" + value);
                }
            }
            if (placeholder) {
                continue;
            }
            if (LOCAL.matcher(value).find() || SENSITIVE.matcher(key).matches() || ADDRESS.matcher(key).matches()) {
                out.put(envName(key), key);
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}: every environment-specific setting of application.properties comes from the Deployment")
    @MethodSource("overlays")
    void configurationParity(String overlay) {
        Render r = Render.of(overlay);
        Map<String, Set<String>> external = ExternalSecrets.load();
        Map<String, Map<String, String>> configMaps = new HashMap<>();
        r.all(ConfigMap.class).forEach(cm -> configMaps.put(cm.getMetadata().getName(),
                Optional.ofNullable(cm.getData()).orElse(Map.of())));
        Map<String, Set<String>> secrets = new HashMap<>(external);
        r.all(Secret.class).forEach(s -> secrets.put(s.getMetadata().getName(),
                Optional.ofNullable(s.getData()).orElse(Map.of()).keySet()));
        List<String> p = new ArrayList<>();
        for (String svc : Workloads.SERVICES) {
            Optional<Deployment> d = r.find(Deployment.class, svc);
            if (d.isEmpty()) {
                p.add(svc + ": no Deployment");
                continue;
            }
            Container c = d.get().getSpec().getTemplate().getSpec().getContainers().get(0);
            // name -> value ("secret:<name>/<key>" for secrets)
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvFromSource ef : Optional.ofNullable(c.getEnvFrom()).orElse(List.of())) {
                String prefix = Optional.ofNullable(ef.getPrefix()).orElse("");
                if (ef.getConfigMapRef() != null) {
                    configMaps.getOrDefault(ef.getConfigMapRef().getName(), Map.of())
                            .forEach((k, v) -> env.put(prefix + k, v));
                }
                if (ef.getSecretRef() != null) {
                    secrets.getOrDefault(ef.getSecretRef().getName(), Set.of())
                            .forEach(k -> env.put(prefix + k, "secret:" + ef.getSecretRef().getName() + "/" + k));
                }
            }
            for (EnvVar e : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
                if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                    var ref = e.getValueFrom().getSecretKeyRef();
                    env.put(e.getName(), "secret:" + ref.getName() + "/" + ref.getKey());
                } else if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
                    var ref = e.getValueFrom().getConfigMapKeyRef();
                    env.put(e.getName(), configMaps.getOrDefault(ref.getName(), Map.of()).get(ref.getKey()));
                } else {
                    env.put(e.getName(), e.getValue());
                }
            }
            Properties props = applicationProperties(svc);
            requiredEnv(props).forEach((name, because) -> {
                if (!env.containsKey(name)) {
                    p.add(svc + ": " + name + " is not set (application.properties: " + because + ")");
                }
            });
            env.forEach((name, value) -> {
                if (!name.matches("[A-Z][A-Z0-9_]*")) {
                    p.add(svc + ": env name '" + name + "' is not an environment-variable name Quarkus maps");
                }
                if (value != null && !value.startsWith("secret:") && LOCAL.matcher(value).find()) {
                    p.add(svc + ": " + name + "=" + value + " points at the pod itself");
                }
                if (value != null && !value.startsWith("secret:") && SENSITIVE.matcher(name).matches()) {
                    p.add(svc + ": " + name + " looks like a credential but is not taken from a Secret");
                }
            });
            // the database in the cluster is the one the service uses locally
            String localUrl = props.getProperty("quarkus.datasource.jdbc.url");
            if (localUrl != null) {
                String clusterUrl = env.get("QUARKUS_DATASOURCE_JDBC_URL");
                String localDb = database(localUrl);
                if (clusterUrl == null || !localDb.equals(database(clusterUrl))) {
                    p.add(svc + ": QUARKUS_DATASOURCE_JDBC_URL=" + clusterUrl + " does not name database " + localDb);
                }
                if (!"secret:apimon-db-credentials/username".equals(env.get("QUARKUS_DATASOURCE_USERNAME"))
                        || !"secret:apimon-db-credentials/password".equals(env.get("QUARKUS_DATASOURCE_PASSWORD"))) {
                    p.add(svc + ": datasource credentials must come from Secret apimon-db-credentials");
                }
            } else if (env.containsKey("QUARKUS_DATASOURCE_JDBC_URL")) {
                p.add(svc + ": has QUARKUS_DATASOURCE_JDBC_URL but no datasource in application.properties");
            }
            // the container listens where Quarkus listens
            String port = props.getProperty("quarkus.http.port");
            int containerPort = c.getPorts().get(0).getContainerPort();
            if (port == null || Integer.parseInt(port.trim()) != containerPort) {
                p.add(svc + ": containerPort " + containerPort + " but quarkus.http.port=" + port);
            }
        }
        assertTrue(p.isEmpty(), "[" + r + "] configuration parity:\n  - " + String.join("\n  - ", p));
    }

    private static String database(String jdbcUrl) {
        String path = jdbcUrl.replaceFirst("\\?.*", "");
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
