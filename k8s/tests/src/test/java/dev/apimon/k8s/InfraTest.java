package dev.apimon.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The infrastructure of each overlay matches what the services are configured to use. */
class InfraTest {
    /** Topic -> "partitions cleanup.policy" (ARCHITECTURE.md, bin/apimon). */
    static final Map<String, String> TOPICS = Map.ofEntries(
            Map.entry("keys.events", "6 compact"), Map.entry("customers.events", "6 compact"),
            Map.entry("subscriptions.events", "6 compact"), Map.entry("billing.catalog", "1 compact"),
            Map.entry("billing.spend", "6 compact"), Map.entry("usage.events", "6 delete"),
            Map.entry("usage.aggregates", "6 delete"), Map.entry("billing.alerts", "6 delete"),
            Map.entry("billing.invoices", "6 delete"), Map.entry("billing.payments", "6 delete"),
            Map.entry("apimon.dead-letter", "3 delete"));
    static final Set<String> DATABASES = Set.of("apimon_key", "apimon_usage", "apimon_rating", "apimon_invoice");
    /** The in-namespace addresses the base ConfigMaps use; each overlay must provide them. */
    static final String PG_SERVICE = "apimon-pg-rw";
    static final String KAFKA_SERVICE = "apimon-kafka-bootstrap";
    static final String REDIS_SERVICE = "apimon-redis";
    static final String KEYCLOAK_SERVICE = "apimon-keycloak-service";

    private static String s(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static void none(List<String> p, String what) {
        assertTrue(p.isEmpty(), what + ":\n  - " + String.join("\n  - ", p));
    }

    // ------------------------------------------------------------------ prod

    @Test
    void prodKafkaIsKraftWithNodePoolAndTheTopicTable() {
        Render r = Render.of("prod");
        List<String> p = new ArrayList<>();
        List<GenericKubernetesResource> kafkas = r.custom("kafka.strimzi.io/v1beta2", "Kafka");
        assertEquals(1, kafkas.size(), "one Strimzi Kafka");
        GenericKubernetesResource kafka = kafkas.get(0);
        String cluster = kafka.getMetadata().getName();
        if (!(cluster + "-kafka-bootstrap").equals(KAFKA_SERVICE)) {
            p.add("Kafka/" + cluster + ": its bootstrap Service is " + cluster + "-kafka-bootstrap, the services use "
                    + KAFKA_SERVICE);
        }
        Map<String, String> ann = kafka.getMetadata().getAnnotations();
        if (ann == null || !"enabled".equals(ann.get("strimzi.io/kraft"))
                || !"enabled".equals(ann.get("strimzi.io/node-pools"))) {
            p.add("Kafka/" + cluster + ": needs annotations strimzi.io/kraft=enabled and strimzi.io/node-pools=enabled");
        }
        Map<String, Object> kspec = map(CustomResources.spec(kafka).get("kafka"));
        if (kspec.containsKey("replicas") || kspec.containsKey("storage") || CustomResources.spec(kafka).containsKey("zookeeper")) {
            p.add("Kafka/" + cluster + ": replicas/storage belong to the KafkaNodePool; no ZooKeeper with KRaft");
        }
        boolean plain9092 = ((List<?>) kspec.getOrDefault("listeners", List.of())).stream().map(InfraTest::map)
                .anyMatch(l -> "9092".equals(s(l.get("port"))) && "false".equals(s(l.get("tls"))));
        if (!plain9092) {
            p.add("Kafka/" + cluster + ": no plain listener on 9092 (the services' KAFKA_BOOTSTRAP_SERVERS)");
        }
        List<GenericKubernetesResource> pools = r.custom("kafka.strimzi.io/v1beta2", "KafkaNodePool");
        Set<String> roles = new TreeSet<>();
        for (GenericKubernetesResource pool : pools) {
            String id = "KafkaNodePool/" + pool.getMetadata().getName();
            if (!cluster.equals(pool.getMetadata().getLabels().get("strimzi.io/cluster"))) {
                p.add(id + ": label strimzi.io/cluster must be " + cluster);
            }
            Map<String, Object> spec = CustomResources.spec(pool);
            ((List<?>) spec.getOrDefault("roles", List.of())).forEach(x -> roles.add(s(x)));
            Map<String, Object> podLabels = map(map(map(map(spec.get("template")).get("pod")).get("metadata"))
                    .get("labels"));
            if (!"kafka".equals(podLabels.get("apimon.dev/infra"))) {
                p.add(id + ": template.pod.metadata.labels must carry apimon.dev/infra=kafka (NetworkPolicies)");
            }
        }
        if (!roles.equals(Set.of("broker", "controller"))) {
            p.add("KafkaNodePools: roles " + roles + ", need controller and broker (KRaft)");
        }
        Map<String, String> topics = new TreeMap<>();
        for (GenericKubernetesResource t : r.custom("kafka.strimzi.io/v1beta2", "KafkaTopic")) {
            Map<String, Object> spec = CustomResources.spec(t);
            String name = s(spec.getOrDefault("topicName", t.getMetadata().getName()));
            if (!cluster.equals(t.getMetadata().getLabels().get("strimzi.io/cluster"))) {
                p.add("KafkaTopic/" + name + ": label strimzi.io/cluster must be " + cluster);
            }
            topics.put(name, s(spec.get("partitions")) + " " + s(map(spec.get("config")).get("cleanup.policy")));
        }
        if (!new TreeMap<>(TOPICS).equals(topics)) {
            p.add("KafkaTopics " + topics + "\n    expected " + new TreeMap<>(TOPICS));
        }
        none(p, "prod Kafka");
    }

    @Test
    void prodPostgresHasOneDatabasePerService() {
        Render r = Render.of("prod");
        List<String> p = new ArrayList<>();
        List<GenericKubernetesResource> clusters = r.custom("postgresql.cnpg.io/v1", "Cluster");
        assertEquals(1, clusters.size(), "one CloudNativePG Cluster");
        GenericKubernetesResource cluster = clusters.get(0);
        String name = cluster.getMetadata().getName();
        if (!(name + "-rw").equals(PG_SERVICE)) {
            p.add("Cluster/" + name + ": its read-write Service is " + name + "-rw, the services use " + PG_SERVICE);
        }
        Map<String, Object> spec = CustomResources.spec(cluster);
        if (!"postgres".equals(map(map(spec.get("inheritedMetadata")).get("labels")).get("apimon.dev/infra"))) {
            p.add("Cluster/" + name + ": inheritedMetadata.labels must carry apimon.dev/infra=postgres (NetworkPolicies)");
        }
        Map<String, Object> initdb = map(map(spec.get("bootstrap")).get("initdb"));
        String owner = s(initdb.get("owner"));
        if (!"apimon-db-credentials".equals(s(map(initdb.get("secret")).get("name")))) {
            p.add("Cluster/" + name + ": bootstrap.initdb.secret must be apimon-db-credentials (the services' login)");
        }
        Map<String, String> dbs = new TreeMap<>();
        for (GenericKubernetesResource db : r.custom("postgresql.cnpg.io/v1", "Database")) {
            Map<String, Object> d = CustomResources.spec(db);
            if (!name.equals(s(map(d.get("cluster")).get("name")))) {
                p.add("Database/" + db.getMetadata().getName() + ": cluster must be " + name);
            }
            dbs.put(s(d.get("name")), s(d.get("owner")));
        }
        for (String db : DATABASES) {
            if (!owner.equals(dbs.get(db))) {
                p.add("no Database " + db + " owned by " + owner + " (found " + dbs + ")");
            }
        }
        none(p, "prod PostgreSQL");
    }

    @Test
    void prodKeycloakAndRealmImport() {
        Render r = Render.of("prod");
        List<String> p = new ArrayList<>();
        List<GenericKubernetesResource> kcs = r.custom("k8s.keycloak.org/v2alpha1", "Keycloak");
        assertEquals(1, kcs.size(), "one Keycloak");
        String kc = kcs.get(0).getMetadata().getName();
        if (!(kc + "-service").equals(KEYCLOAK_SERVICE)) {
            p.add("Keycloak/" + kc + ": the operator's Service is " + kc + "-service, the services use " + KEYCLOAK_SERVICE);
        }
        if (!NetworkPolicyTest.INFRA.get("keycloak").get("app.kubernetes.io/instance").equals(kc)) {
            p.add("Keycloak/" + kc + ": NetworkPolicies select pods of instance "
                    + NetworkPolicyTest.INFRA.get("keycloak").get("app.kubernetes.io/instance"));
        }
        Map<String, Object> spec = CustomResources.spec(kcs.get(0));
        if (!"true".equals(s(map(spec.get("http")).get("httpEnabled")))
                || !"8080".equals(s(map(spec.get("http")).get("httpPort")))) {
            p.add("Keycloak/" + kc + ": the services reach it over http on 8080");
        }
        if (!PG_SERVICE.equals(s(map(spec.get("db")).get("host")))) {
            p.add("Keycloak/" + kc + ": db.host must be " + PG_SERVICE);
        }
        List<GenericKubernetesResource> imports = r.custom("k8s.keycloak.org/v2alpha1", "KeycloakRealmImport");
        assertEquals(1, imports.size(), "one KeycloakRealmImport");
        Map<String, Object> is = CustomResources.spec(imports.get(0));
        if (!kc.equals(s(is.get("keycloakCRName")))) {
            p.add("KeycloakRealmImport: keycloakCRName must be " + kc);
        }
        JsonNode realm = new ObjectMapper().valueToTree(is.get("realm"));
        if (!"apimon".equals(realm.path("realm").asText())) {
            p.add("KeycloakRealmImport: realm name is not apimon");
        }
        for (JsonNode u : realm.path("users")) {
            if (!u.hasNonNull("serviceAccountClientId")) {
                p.add("KeycloakRealmImport: contains the user " + u.path("username").asText()
                        + " (only service-account users belong in prod)");
            }
            if (u.has("credentials")) {
                p.add("KeycloakRealmImport: user " + u.path("username").asText() + " has credentials");
            }
        }
        Set<String> clients = new TreeSet<>();
        for (JsonNode c : realm.path("clients")) {
            clients.add(c.path("clientId").asText());
            if (c.has("secret")) {
                p.add("KeycloakRealmImport: client " + c.path("clientId").asText() + " has a literal secret");
            }
            c.path("redirectUris").forEach(u -> {
                if (u.asText().contains("localhost") || u.asText().contains("127.0.0.1")) {
                    p.add("KeycloakRealmImport: client " + c.path("clientId").asText() + " redirects to " + u.asText());
                }
            });
        }
        Set<String> roles = new TreeSet<>();
        realm.path("roles").path("realm").forEach(x -> roles.add(x.path("name").asText()));
        if (!clients.containsAll(Set.of("portal-bff", "apimon-gateway")) || !roles.containsAll(
                Set.of("platform-admin", "customer"))) {
            p.add("KeycloakRealmImport: clients " + clients + " / roles " + roles + " are incomplete");
        }
        boolean mapper = false;
        for (JsonNode c : realm.path("clients")) {
            for (JsonNode m : c.path("protocolMappers")) {
                mapper |= "customer_id".equals(m.path("config").path("claim.name").asText());
            }
        }
        if (!mapper) {
            p.add("KeycloakRealmImport: the customer_id claim mapper is missing");
        }
        none(p, "prod Keycloak");
    }

    @Test
    void prodCommitsNoSecretsAndEveryExternalSecretIsUsed() {
        Render r = Render.of("prod");
        Map<String, Set<String>> external = ExternalSecrets.load();
        List<String> p = new ArrayList<>();
        r.all(Secret.class).forEach(s -> p.add("Secret/" + s.getMetadata().getName()
                + " is rendered by prod - its values would be committed; list it in " + ExternalSecrets.FILE));
        Set<String> referenced = new TreeSet<>();
        Workloads.of(r).forEach(w -> w.allContainers().forEach(c -> {
            if (c.getEnv() != null) {
                c.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                        .forEach(e -> referenced.add(e.getValueFrom().getSecretKeyRef().getName()));
            }
            if (c.getEnvFrom() != null) {
                c.getEnvFrom().stream().filter(e -> e.getSecretRef() != null)
                        .forEach(e -> referenced.add(e.getSecretRef().getName()));
            }
        }));
        SecretRefs.nonContainer(r).forEach(ref -> referenced.add(ref.name()));
        for (String name : external.keySet()) {
            if (!referenced.contains(name)) {
                p.add(ExternalSecrets.FILE + " lists " + name + " but nothing in prod references it");
            }
        }
        none(p, "prod Secrets");
    }

    // ------------------------------------------------------------------ dev

    @Test
    void devInfrastructureServesTheBaseAddresses() {
        Render r = Render.of("dev");
        List<String> p = new ArrayList<>();
        Map<String, String> infraService = new LinkedHashMap<>();
        infraService.put(PG_SERVICE, "postgres");
        infraService.put(KAFKA_SERVICE, "kafka");
        infraService.put(REDIS_SERVICE, "redis");
        infraService.put(KEYCLOAK_SERVICE, "keycloak");
        infraService.forEach((svc, infra) -> {
            if (r.find(Service.class, svc).isEmpty()) {
                p.add("dev has no Service " + svc);
            }
            Map<String, String> labels = NetworkPolicyTest.INFRA.get(infra);
            boolean labelled = r.all(StatefulSet.class).stream().anyMatch(s -> s.getSpec().getTemplate().getMetadata()
                    .getLabels().entrySet().containsAll(labels.entrySet()));
            if (!labelled) {
                p.add("dev has no StatefulSet whose pods carry " + labels + " (" + infra + ")");
            }
        });
        none(p, "dev infrastructure");
        // prod's Redis is the same manifest
        assertTrue(Render.of("prod").find(Service.class, REDIS_SERVICE).isPresent(), "prod has Service " + REDIS_SERVICE);
    }

    @Test
    void devPostgresCreatesTheServiceDatabases() {
        Render r = Render.of("dev");
        String sql = r.all(ConfigMap.class).stream().filter(cm -> cm.getMetadata().getName().startsWith("postgres-init"))
                .findFirst().orElseThrow(() -> new AssertionError("dev: no ConfigMap postgres-init"))
                .getData().get("init-databases.sql");
        Set<String> created = new TreeSet<>();
        Matcher m = Pattern.compile("(?im)^\\s*CREATE\\s+DATABASE\\s+([a-z_]+)").matcher(sql);
        while (m.find()) {
            created.add(m.group(1));
        }
        assertEquals(new TreeSet<>(DATABASES), created, "dev postgres-init creates exactly the service databases");
    }

    @Test
    void devTopicScriptMatchesTheTopicTable() {
        Render r = Render.of("dev");
        String script = r.all(ConfigMap.class).stream()
                .filter(cm -> cm.getMetadata().getName().startsWith("kafka-topics-script")).findFirst()
                .orElseThrow(() -> new AssertionError("dev: no ConfigMap kafka-topics-script"))
                .getData().get("create-topics.sh");
        Map<String, String> topics = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^topic\\s+(\\S+)\\s+(\\d+)\\s+(compact|delete)\\s*$").matcher(script);
        while (m.find()) {
            topics.put(m.group(1), m.group(2) + " " + m.group(3));
        }
        assertEquals(new TreeMap<>(TOPICS), topics, "dev create-topics.sh topic table");
    }

    @Test
    void devKeycloakImportsTheLocalRealmWithMatchingClientSecret() throws Exception {
        Render r = Render.of("dev");
        ConfigMap realmCm = r.all(ConfigMap.class).stream()
                .filter(cm -> cm.getMetadata().getName().startsWith("apimon-realm")).findFirst()
                .orElseThrow(() -> new AssertionError("dev: no ConfigMap apimon-realm"));
        ObjectMapper json = new ObjectMapper();
        JsonNode realm = json.readTree(realmCm.getData().get("apimon-realm.json"));
        assertEquals(json.readTree(Repo.read(RealmImports.SOURCE)), realm, "dev realm = " + RealmImports.SOURCE);
        String realmSecret = null;
        for (JsonNode c : realm.path("clients")) {
            if ("portal-bff".equals(c.path("clientId").asText())) {
                realmSecret = c.path("secret").asText();
            }
        }
        Secret oidc = r.find(Secret.class, "apimon-portal-oidc")
                .orElseThrow(() -> new AssertionError("dev: no Secret apimon-portal-oidc"));
        String devSecret = oidc.getData() != null && oidc.getData().get("client-secret") != null
                ? new String(Base64.getDecoder().decode(oidc.getData().get("client-secret")), StandardCharsets.UTF_8)
                : null;
        assertEquals(realmSecret, devSecret, "dev apimon-portal-oidc/client-secret must equal the realm's portal-bff secret");
        Set<String> users = new TreeSet<>();
        realm.path("users").forEach(u -> users.add(u.path("username").asText()));
        assertTrue(users.containsAll(Set.of("admin", "alice", "bob")), "dev realm keeps the demo users: " + users);
        assertFalse(r.custom("monitoring.coreos.com/v1", "ServiceMonitor").size() > 0,
                "dev drops ServiceMonitors (no Prometheus Operator assumed)");
    }

    @Test
    void prodMonitorsEveryService() {
        Render r = Render.of("prod");
        List<String> p = new ArrayList<>();
        List<GenericKubernetesResource> monitors = r.custom("monitoring.coreos.com/v1", "ServiceMonitor");
        for (String svc : Workloads.SERVICES) {
            Service service = r.find(Service.class, svc).orElse(null);
            if (service == null) {
                p.add("no Service " + svc);
                continue;
            }
            boolean scraped = monitors.stream().anyMatch(mon -> {
                Map<String, Object> spec = CustomResources.spec(mon);
                @SuppressWarnings("unchecked")
                Map<String, String> sel = (Map<String, String>) (Map<?, ?>) map(map(spec.get("selector")).get("matchLabels"));
                if (!Workloads.matches(sel, service.getMetadata().getLabels())) {
                    return false;
                }
                return ((List<?>) spec.getOrDefault("endpoints", List.of())).stream().map(InfraTest::map)
                        .anyMatch(e -> "/q/metrics".equals(e.get("path")) && service.getSpec().getPorts().stream()
                                .anyMatch(sp -> sp.getName().equals(e.get("port"))));
            });
            if (!scraped) {
                p.add("Service/" + svc + ": no ServiceMonitor scrapes /q/metrics on one of its named ports");
            }
        }
        none(p, "prod monitoring");
    }
}
