package dev.apimon.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The operator custom resources the manifests may use (anything else that fabric8 does not know is an error), with
 * their plural for the mock API server and the top-level {@code spec} fields each CRD defines - a misspelt or
 * misplaced top-level field fails instead of being pruned silently by the API server.
 */
final class CustomResources {
    record Kind(String group, String version, String kind, String plural, Set<String> specFields) {
        String apiVersion() {
            return group + "/" + version;
        }
    }

    static final List<Kind> KINDS = List.of(
            // Strimzi 0.4x
            new Kind("kafka.strimzi.io", "v1beta2", "Kafka", "kafkas", Set.of("kafka", "entityOperator",
                    "cruiseControl", "kafkaExporter", "clusterCa", "clientsCa", "maintenanceTimeWindows")),
            new Kind("kafka.strimzi.io", "v1beta2", "KafkaNodePool", "kafkanodepools", Set.of("replicas",
                    "storage", "roles", "resources", "jvmOptions", "template")),
            new Kind("kafka.strimzi.io", "v1beta2", "KafkaTopic", "kafkatopics", Set.of("topicName", "partitions",
                    "replicas", "config")),
            // CloudNativePG 1.2x
            new Kind("postgresql.cnpg.io", "v1", "Cluster", "clusters", Set.of("affinity", "backup", "bootstrap",
                    "certificates", "description", "enablePDB", "enableSuperuserAccess", "env", "envFrom",
                    "ephemeralVolumeSource", "ephemeralVolumesSizeLimit", "externalClusters", "failoverDelay",
                    "imageCatalogRef", "imageName", "imagePullPolicy", "imagePullSecrets", "inheritedMetadata",
                    "instances", "livenessProbeTimeout", "logLevel", "managed", "maxSyncReplicas",
                    "minSyncReplicas", "monitoring", "nodeMaintenanceWindow", "plugins", "postgresGID",
                    "postgresUID", "postgresql", "primaryUpdateMethod", "primaryUpdateStrategy",
                    "priorityClassName", "probes", "projectedVolumeTemplate", "replica", "replicationSlots",
                    "resources", "schedulerName", "seccompProfile", "serviceAccountTemplate",
                    "smartShutdownTimeout", "startDelay", "stopDelay", "storage", "superuserSecret",
                    "switchoverDelay", "tablespaces", "topologySpreadConstraints", "walStorage")),
            new Kind("postgresql.cnpg.io", "v1", "Database", "databases", Set.of("allowConnections",
                    "builtinLocale", "cluster", "collationVersion", "connectionLimit", "databaseReclaimPolicy",
                    "encoding", "ensure", "extensions", "fdws", "icuLocale", "icuRules", "isTemplate", "locale",
                    "localeCType", "localeCollate", "localeProvider", "name", "owner", "schemas", "servers",
                    "tablespace", "template")),
            // Keycloak Operator 26.x
            new Kind("k8s.keycloak.org", "v2alpha1", "Keycloak", "keycloaks", Set.of("additionalOptions", "admin",
                    "automountServiceAccountToken", "bootstrapAdmin", "cache", "db", "env", "features", "hostname",
                    "http", "httpManagement", "image", "imagePullSecrets", "ingress", "instances", "livenessProbe",
                    "networkPolicy", "proxy", "readinessProbe", "resources", "scheduling", "serviceMonitor",
                    "startOptimized", "startupProbe", "tracing", "transaction", "truststores", "unsupported",
                    "update")),
            new Kind("k8s.keycloak.org", "v2alpha1", "KeycloakRealmImport", "keycloakrealmimports",
                    Set.of("keycloakCRName", "realm", "placeholders", "resources")),
            // Prometheus Operator
            new Kind("monitoring.coreos.com", "v1", "ServiceMonitor", "servicemonitors", Set.of("attachMetadata",
                    "endpoints", "jobLabel", "keepDroppedTargets", "labelLimit", "labelNameLengthLimit",
                    "labelValueLengthLimit", "namespaceSelector", "podTargetLabels", "sampleLimit", "scrapeClass",
                    "scrapeProtocols", "selector", "targetLabels", "targetLimit", "fallbackScrapeProtocol",
                    "bodySizeLimit", "nativeHistogramBucketLimit", "nativeHistogramMinBucketFactor",
                    "convertClassicHistogramsToNHCB", "scrapeClassicHistograms", "selectorMechanism")));

    private CustomResources() {
    }

    static Kind kindOf(GenericKubernetesResource r) {
        return KINDS.stream().filter(k -> k.apiVersion().equals(r.getApiVersion()) && k.kind().equals(r.getKind()))
                .findFirst().orElse(null);
    }

    /** apiVersion/kind known, metadata.name set, a spec with only fields the CRD defines. */
    static List<String> check(GenericKubernetesResource r, String label) {
        List<String> out = new ArrayList<>();
        Kind kind = kindOf(r);
        if (kind == null) {
            out.add(label + ": unknown apiVersion/kind " + r.getApiVersion() + " " + r.getKind()
                    + " (not a built-in kind fabric8 knows, nor one of the expected operator CRDs)");
            return out;
        }
        if (r.getMetadata().getName() == null || r.getMetadata().getName().isBlank()) {
            out.add(label + ": metadata.name missing");
        }
        Object spec = r.getAdditionalProperties().get("spec");
        if (!(spec instanceof Map<?, ?> specMap) || specMap.isEmpty()) {
            out.add(label + ": no spec");
        } else {
            Set<String> unknown = new TreeSet<>();
            for (Object key : specMap.keySet()) {
                if (!kind.specFields().contains(String.valueOf(key))) {
                    unknown.add(String.valueOf(key));
                }
            }
            if (!unknown.isEmpty()) {
                out.add(label + ": spec field(s) " + unknown + " not defined by " + kind.kind() + " "
                        + kind.apiVersion());
            }
        }
        Set<String> topLevel = new TreeSet<>(r.getAdditionalProperties().keySet());
        topLevel.removeAll(Set.of("spec"));
        if (!topLevel.isEmpty()) {
            out.add(label + ": unexpected top-level field(s) " + topLevel);
        }
        return out;
    }

    /** A minimal CRD so the mock API server (CRUD mode) serves this kind. */
    static CustomResourceDefinition crd(Kind k) {
        return new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(k.plural() + "." + k.group()).endMetadata()
                .withNewSpec()
                .withGroup(k.group())
                .withScope("Namespaced")
                .withNewNames().withKind(k.kind()).withPlural(k.plural())
                .withSingular(k.kind().toLowerCase()).endNames()
                .addNewVersion().withName(k.version()).withServed(true).withStorage(true)
                .withNewSchema().withNewOpenAPIV3Schema().withType("object")
                .withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema()
                .endVersion()
                .endSpec()
                .build();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> spec(GenericKubernetesResource r) {
        Object spec = r.getAdditionalProperties().get("spec");
        return spec instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}
