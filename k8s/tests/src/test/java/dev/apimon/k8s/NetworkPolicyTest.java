package dev.apimon.k8s;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The network rules: default-deny ingress; only portal-bff, quota-service, usage-service and invoice-service (Stripe
 * webhooks, through one exact Ingress path - see ManifestsTest) accept traffic from other namespaces (plus Prometheus
 * scraping); each service reaches exactly the services and infrastructure it uses.
 */
class NetworkPolicyTest {
    static final Set<String> PUBLIC = Set.of("portal-bff", "quota-service", "usage-service", "invoice-service");
    static final Map<String, String> MONITORING_NAMESPACES = Map.of("apimon.dev/monitoring", "true");

    /** Who calls whom over REST (ARCHITECTURE.md): portal-bff calls every service, invoice-service calls rating. */
    static final Map<String, Set<String>> CALLS = Map.of(
            "portal-bff", Set.of("key-service", "quota-service", "usage-service", "rating-service", "invoice-service"),
            "key-service", Set.of(),
            "quota-service", Set.of(),
            "usage-service", Set.of(),
            "rating-service", Set.of(),
            "invoice-service", Set.of("rating-service"));

    /** Infrastructure pod labels (dev StatefulSets and the prod operators' pods carry them; see InfraTest). */
    static final Map<String, Map<String, String>> INFRA = Map.of(
            "postgres", Map.of("apimon.dev/infra", "postgres"),
            "kafka", Map.of("apimon.dev/infra", "kafka"),
            "redis", Map.of("apimon.dev/infra", "redis"),
            "keycloak", Map.of("app", "keycloak", "app.kubernetes.io/instance", "apimon-keycloak"));

    static final Map<String, Set<String>> USES = Map.of(
            "portal-bff", Set.of("kafka", "keycloak"),
            "key-service", Set.of("postgres", "kafka", "keycloak"),
            "quota-service", Set.of("redis", "kafka", "keycloak"),
            "usage-service", Set.of("postgres", "kafka", "keycloak"),
            "rating-service", Set.of("postgres", "kafka", "keycloak"),
            "invoice-service", Set.of("postgres", "kafka", "keycloak"));

    static List<String> overlays() {
        return Render.OVERLAYS;
    }

    private static boolean isEmpty(LabelSelector s) {
        return s != null && (s.getMatchLabels() == null || s.getMatchLabels().isEmpty())
                && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty());
    }

    @ParameterizedTest(name = "{0}: default deny, public entry points, and each service's exact reach")
    @MethodSource("overlays")
    void networkPolicies(String overlay) {
        Render r = Render.of(overlay);
        List<NetworkPolicy> policies = r.all(NetworkPolicy.class);
        List<String> p = new ArrayList<>();

        boolean defaultDeny = policies.stream().anyMatch(np -> isEmpty(np.getSpec().getPodSelector())
                && np.getSpec().getPolicyTypes().contains("Ingress")
                && (np.getSpec().getIngress() == null || np.getSpec().getIngress().isEmpty()));
        if (!defaultDeny) {
            p.add("no default-deny ingress NetworkPolicy (podSelector {}, policyTypes [Ingress], no rules)");
        }

        Map<String, Map<String, String>> podLabels = new java.util.HashMap<>();
        r.all(Deployment.class).forEach(d -> podLabels.put(d.getMetadata().getName(),
                d.getSpec().getTemplate().getMetadata().getLabels()));

        for (String svc : Workloads.SERVICES) {
            Map<String, String> labels = podLabels.get(svc);
            if (labels == null) {
                p.add("Deployment/" + svc + " missing");
                continue;
            }
            List<NetworkPolicy> selecting = policies.stream()
                    .filter(np -> Workloads.matches(np.getSpec().getPodSelector(), labels)).toList();
            if (selecting.stream().noneMatch(np -> np.getSpec().getPolicyTypes().contains("Egress"))) {
                p.add(svc + ": no NetworkPolicy restricts its egress");
            }
            Set<String> callers = new TreeSet<>();
            Set<String> destinations = new TreeSet<>();
            Set<String> infra = new TreeSet<>();
            for (NetworkPolicy np : selecting) {
                String id = "NetworkPolicy/" + np.getMetadata().getName();
                for (NetworkPolicyIngressRule rule : Optional.ofNullable(np.getSpec().getIngress()).orElse(List.of())) {
                    if (rule.getFrom() == null || rule.getFrom().isEmpty()) {
                        p.add(id + ": an ingress rule for " + svc + " allows every source");
                        continue;
                    }
                    for (NetworkPolicyPeer peer : rule.getFrom()) {
                        if (peer.getIpBlock() != null) {
                            p.add(id + ": " + svc + " accepts an ipBlock " + peer.getIpBlock().getCidr());
                        } else if (peer.getNamespaceSelector() != null) {
                            boolean monitoring = MONITORING_NAMESPACES.equals(
                                    peer.getNamespaceSelector().getMatchLabels()) && peer.getPodSelector() == null;
                            if (!monitoring && !PUBLIC.contains(svc)) {
                                p.add(id + ": " + svc + " accepts traffic from other namespaces "
                                        + peer.getNamespaceSelector() + " - only " + new TreeSet<>(PUBLIC) + " may");
                            }
                            if (monitoring) {
                                checkPortsAreHttp(p, id, svc, rule.getPorts());
                            }
                        } else {
                            podLabels.forEach((other, l) -> {
                                if (Workloads.matches(peer.getPodSelector(), l)) {
                                    callers.add(other);
                                }
                            });
                        }
                    }
                }
                for (NetworkPolicyEgressRule rule : Optional.ofNullable(np.getSpec().getEgress()).orElse(List.of())) {
                    if (rule.getTo() == null || rule.getTo().isEmpty()) {
                        p.add(id + ": an egress rule of " + svc + " allows every destination");
                        continue;
                    }
                    for (NetworkPolicyPeer peer : rule.getTo()) {
                        if (peer.getIpBlock() != null) {
                            boolean https = rule.getPorts() != null && !rule.getPorts().isEmpty() && rule.getPorts()
                                    .stream().allMatch(pp -> new IntOrString(443).equals(pp.getPort()));
                            if (!svc.equals("invoice-service") || !https) {
                                p.add(id + ": " + svc + " egress to ipBlock " + peer.getIpBlock().getCidr()
                                        + " - only invoice-service may leave the cluster, on 443 (Stripe)");
                            }
                        } else if (peer.getNamespaceSelector() != null) {
                            boolean dns = Map.of("kubernetes.io/metadata.name", "kube-system")
                                    .equals(peer.getNamespaceSelector().getMatchLabels())
                                    && rule.getPorts() != null && rule.getPorts().stream()
                                            .allMatch(pp -> new IntOrString(53).equals(pp.getPort()));
                            if (!dns) {
                                p.add(id + ": " + svc + " egress to other namespaces " + peer.getNamespaceSelector()
                                        + " (only DNS in kube-system is expected)");
                            }
                        } else {
                            podLabels.forEach((other, l) -> {
                                if (Workloads.matches(peer.getPodSelector(), l)) {
                                    destinations.add(other);
                                }
                            });
                            INFRA.forEach((name, l) -> {
                                if (Workloads.matches(peer.getPodSelector(), l)) {
                                    infra.add(name);
                                }
                            });
                        }
                    }
                }
            }
            Set<String> expectedCallers = new TreeSet<>();
            CALLS.forEach((caller, callees) -> {
                if (callees.contains(svc)) {
                    expectedCallers.add(caller);
                }
            });
            if (!expectedCallers.equals(callers)) {
                p.add(svc + ": accepts in-namespace traffic from " + callers + ", expected exactly " + expectedCallers);
            }
            if (!new TreeSet<>(CALLS.get(svc)).equals(destinations)) {
                p.add(svc + ": may reach services " + destinations + ", expected exactly " + new TreeSet<>(CALLS.get(svc)));
            }
            if (!new TreeSet<>(USES.get(svc)).equals(infra)) {
                p.add(svc + ": may reach infrastructure " + infra + ", expected exactly " + new TreeSet<>(USES.get(svc)));
            }
        }
        assertTrue(p.isEmpty(), "[" + r + "] NetworkPolicy problems:\n  - " + String.join("\n  - ", p));
    }

    private static void checkPortsAreHttp(List<String> p, String id, String svc, List<NetworkPolicyPort> ports) {
        if (ports == null || ports.isEmpty()
                || !ports.stream().allMatch(pp -> new IntOrString("http").equals(pp.getPort()))) {
            p.add(id + ": the monitoring rule for " + svc + " must be limited to the http (metrics) port");
        }
    }
}
