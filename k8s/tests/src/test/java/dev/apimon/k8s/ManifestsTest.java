package dev.apimon.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Structural checks on each rendered overlay (dev and prod). Every failure names the object. */
class ManifestsTest {
    /** Services created by an operator, not by these manifests (an Ingress may route to them). */
    static final Map<String, String> OPERATOR_SERVICES = Map.of(
            "apimon-keycloak-service", "Keycloak Operator (Keycloak CR apimon-keycloak)");

    static List<String> overlays() {
        return Render.OVERLAYS;
    }

    private static void assertNone(List<String> problems, String what, Render r) {
        assertTrue(problems.isEmpty(), "[" + r + "] " + what + ":\n  - " + String.join("\n  - ", problems));
    }

    @ParameterizedTest(name = "{0}: kustomize renders and every object parses strictly")
    @MethodSource("overlays")
    void rendersAndParsesStrictly(String overlay) {
        Render r = Render.of(overlay);
        assertNone(r.problems, "objects that do not parse strictly", r);
        Set<String> seen = new HashSet<>();
        List<String> duplicates = r.stream().map(Render.Doc::id).filter(id -> !seen.add(id)).toList();
        assertNone(duplicates, "objects rendered twice", r);
        List<String> noNamespace = r.stream()
                .filter(d -> !"Namespace".equals(d.object().getKind()))
                .filter(d -> d.object().getMetadata().getNamespace() == null)
                .map(Render.Doc::id).toList();
        assertNone(noNamespace, "objects without a namespace (the overlay must set one)", r);
    }

    @ParameterizedTest(name = "{0}: the six service Deployments have probes, resources and a locked-down security context")
    @MethodSource("overlays")
    void deploymentsAreHardened(String overlay) {
        Render r = Render.of(overlay);
        List<String> p = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        for (Deployment d : r.all(Deployment.class)) {
            String id = "Deployment/" + d.getMetadata().getName();
            names.add(d.getMetadata().getName());
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            PodSecurityContext psc = pod.getSecurityContext();
            if (psc == null) {
                p.add(id + ": no pod securityContext");
            } else {
                check(p, id + " pod securityContext.runAsNonRoot", psc.getRunAsNonRoot(), true);
                check(p, id + " pod securityContext.runAsUser", psc.getRunAsUser(), 185L);
                check(p, id + " pod securityContext.seccompProfile.type",
                        psc.getSeccompProfile() == null ? null : psc.getSeccompProfile().getType(), "RuntimeDefault");
            }
            check(p, id + " automountServiceAccountToken", pod.getAutomountServiceAccountToken(), false);
            String sa = pod.getServiceAccountName();
            Optional<ServiceAccount> account = sa == null ? Optional.empty() : r.find(ServiceAccount.class, sa);
            if (account.isEmpty()) {
                p.add(id + ": serviceAccountName '" + sa + "' is not a ServiceAccount of the render");
            } else if (!Boolean.FALSE.equals(account.get().getAutomountServiceAccountToken())) {
                p.add("ServiceAccount/" + sa + ": automountServiceAccountToken must be false");
            }
            if (pod.getContainers().size() != 1) {
                p.add(id + ": expected exactly one container");
            }
            for (Container c : pod.getContainers()) {
                String cid = id + " container " + c.getName();
                Set<String> portNames = new HashSet<>();
                Set<Integer> portNumbers = new HashSet<>();
                for (ContainerPort port : Optional.ofNullable(c.getPorts()).orElse(List.of())) {
                    portNames.add(port.getName());
                    portNumbers.add(port.getContainerPort());
                }
                probe(p, cid, "startupProbe", c.getStartupProbe(), "/q/health/started", portNames, portNumbers);
                probe(p, cid, "readinessProbe", c.getReadinessProbe(), "/q/health/ready", portNames, portNumbers);
                probe(p, cid, "livenessProbe", c.getLivenessProbe(), "/q/health/live", portNames, portNumbers);
                ResourceRequirements res = c.getResources();
                for (String kind : List.of("cpu", "memory")) {
                    if (res == null || res.getRequests() == null || res.getRequests().get(kind) == null) {
                        p.add(cid + ": no resources.requests." + kind);
                    }
                    if (res == null || res.getLimits() == null || res.getLimits().get(kind) == null) {
                        p.add(cid + ": no resources.limits." + kind);
                    }
                }
                SecurityContext sc = c.getSecurityContext();
                if (sc == null) {
                    p.add(cid + ": no securityContext");
                } else {
                    check(p, cid + " securityContext.runAsNonRoot", sc.getRunAsNonRoot(), true);
                    check(p, cid + " securityContext.runAsUser", sc.getRunAsUser(), 185L);
                    check(p, cid + " securityContext.readOnlyRootFilesystem", sc.getReadOnlyRootFilesystem(), true);
                    check(p, cid + " securityContext.allowPrivilegeEscalation", sc.getAllowPrivilegeEscalation(),
                            false);
                    Capabilities caps = sc.getCapabilities();
                    if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
                        p.add(cid + ": securityContext.capabilities.drop must contain ALL");
                    }
                    if (caps != null && caps.getAdd() != null && !caps.getAdd().isEmpty()) {
                        p.add(cid + ": adds capabilities " + caps.getAdd());
                    }
                    check(p, cid + " securityContext.seccompProfile.type",
                            sc.getSeccompProfile() == null ? null : sc.getSeccompProfile().getType(), "RuntimeDefault");
                }
                Optional<VolumeMount> tmp = Optional.ofNullable(c.getVolumeMounts()).orElse(List.of()).stream()
                        .filter(m -> "/tmp".equals(m.getMountPath())).findFirst();
                Optional<Volume> tmpVolume = tmp.flatMap(m -> Optional.ofNullable(pod.getVolumes())
                        .orElse(List.of()).stream().filter(v -> v.getName().equals(m.getName())).findFirst());
                if (tmpVolume.isEmpty() || tmpVolume.get().getEmptyDir() == null) {
                    p.add(cid + ": needs an emptyDir volume mounted at /tmp (the root filesystem is read-only)");
                }
                boolean hasConfigMap = Optional.ofNullable(c.getEnvFrom()).orElse(List.of()).stream()
                        .anyMatch(e -> e.getConfigMapRef() != null);
                if (!hasConfigMap) {
                    p.add(cid + ": no envFrom configMapRef (its ConfigMap)");
                }
            }
        }
        assertNone(p, "Deployment problems", r);
        assertEquals(new TreeSet<>(Workloads.SERVICES), names, "[" + r + "] Deployments in the render");
    }

    private static void probe(List<String> p, String cid, String which, Probe probe, String path,
            Set<String> portNames, Set<Integer> portNumbers) {
        if (probe == null) {
            p.add(cid + ": no " + which);
            return;
        }
        HTTPGetAction get = probe.getHttpGet();
        if (get == null) {
            p.add(cid + ": " + which + " must be an httpGet on " + path);
            return;
        }
        if (!path.equals(get.getPath())) {
            p.add(cid + ": " + which + " path is " + get.getPath() + ", expected " + path);
        }
        if (!portExists(get.getPort(), portNames, portNumbers)) {
            p.add(cid + ": " + which + " port " + get.getPort() + " is not a container port");
        }
    }

    static boolean portExists(IntOrString port, Set<String> names, Set<Integer> numbers) {
        if (port == null) {
            return false;
        }
        return port.getIntVal() != null ? numbers.contains(port.getIntVal()) : names.contains(port.getStrVal());
    }

    private static void check(List<String> p, String what, Object actual, Object expected) {
        if (!Objects.equals(actual, expected)) {
            p.add(what + " is " + actual + ", expected " + expected);
        }
    }

    @ParameterizedTest(name = "{0}: every pod meets the restricted Pod Security Standard")
    @MethodSource("overlays")
    void podsMeetRestrictedPodSecurity(String overlay) {
        Render r = Render.of(overlay);
        List<String> p = new ArrayList<>();
        for (Workloads.Workload w : Workloads.of(r)) {
            PodSpec pod = w.template().getSpec();
            PodSecurityContext psc = Optional.ofNullable(pod.getSecurityContext()).orElse(new PodSecurityContext());
            if (Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID())
                    || Boolean.TRUE.equals(pod.getHostIPC())) {
                p.add(w.id() + ": uses host namespaces");
            }
            for (Volume v : Optional.ofNullable(pod.getVolumes()).orElse(List.of())) {
                if (v.getHostPath() != null) {
                    p.add(w.id() + ": hostPath volume " + v.getName());
                }
            }
            if (!Boolean.FALSE.equals(pod.getAutomountServiceAccountToken())) {
                p.add(w.id() + ": automountServiceAccountToken must be false (no pod here uses the API)");
            }
            for (Container c : w.allContainers()) {
                String cid = w.id() + " container " + c.getName();
                SecurityContext sc = Optional.ofNullable(c.getSecurityContext()).orElse(new SecurityContext());
                boolean nonRoot = Boolean.TRUE.equals(sc.getRunAsNonRoot())
                        || sc.getRunAsNonRoot() == null && Boolean.TRUE.equals(psc.getRunAsNonRoot());
                if (!nonRoot) {
                    p.add(cid + ": runAsNonRoot is not true");
                }
                Long uid = sc.getRunAsUser() != null ? sc.getRunAsUser() : psc.getRunAsUser();
                if (uid != null && uid == 0L) {
                    p.add(cid + ": runs as uid 0");
                }
                if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                    p.add(cid + ": allowPrivilegeEscalation is not false");
                }
                if (Boolean.TRUE.equals(sc.getPrivileged())) {
                    p.add(cid + ": privileged");
                }
                if (sc.getCapabilities() == null || sc.getCapabilities().getDrop() == null
                        || !sc.getCapabilities().getDrop().contains("ALL")) {
                    p.add(cid + ": does not drop ALL capabilities");
                }
                String seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile().getType()
                        : psc.getSeccompProfile() != null ? psc.getSeccompProfile().getType() : null;
                if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
                    p.add(cid + ": seccompProfile is " + seccomp + ", expected RuntimeDefault");
                }
                ResourceRequirements res = c.getResources();
                if (res == null || res.getLimits() == null || res.getLimits().get("memory") == null
                        || res.getRequests() == null || res.getRequests().get("cpu") == null) {
                    p.add(cid + ": needs resources.requests.cpu and resources.limits.memory");
                }
            }
        }
        assertNone(p, "pods below the restricted Pod Security Standard", r);
    }

    @ParameterizedTest(name = "{0}: every image has a pinned tag (not latest, not missing)")
    @MethodSource("overlays")
    void imagesArePinned(String overlay) {
        Render r = Render.of(overlay);
        List<String> p = new ArrayList<>();
        for (Workloads.Workload w : Workloads.of(r)) {
            for (Container c : w.allContainers()) {
                String image = c.getImage();
                String tag = image == null ? "" : Workloads.tag(image);
                if (tag.isEmpty() || tag.equals("latest")) {
                    p.add(w.id() + " container " + c.getName() + ": image '" + image + "' has "
                            + (tag.isEmpty() ? "no tag" : "tag latest"));
                }
                if ("Always".equals(c.getImagePullPolicy()) && !tag.startsWith("@")) {
                    p.add(w.id() + " container " + c.getName() + ": imagePullPolicy Always with a mutable tag");
                }
            }
        }
        for (GenericKubernetesResource g : r.all(GenericKubernetesResource.class)) {
            for (String key : List.of("imageName", "image")) {
                Object image = CustomResources.spec(g).get(key);
                if (image instanceof String s && (Workloads.tag(s).isEmpty() || Workloads.tag(s).equals("latest"))) {
                    p.add(g.getKind() + "/" + g.getMetadata().getName() + ": spec." + key + " '" + s
                            + "' is not pinned");
                }
            }
        }
        if (overlay.equals("prod")) {
            for (Deployment d : r.all(Deployment.class)) {
                String name = d.getMetadata().getName();
                String image = d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
                if (!image.startsWith("ghcr.io/apimon/" + name + ":")) {
                    p.add("Deployment/" + name + ": prod image is " + image + ", expected ghcr.io/apimon/" + name
                            + ":<version> (kustomize images:)");
                }
            }
        }
        assertNone(p, "unpinned images", r);
    }

    @ParameterizedTest(name = "{0}: every Service selects the pods of a Deployment or StatefulSet, on a real port")
    @MethodSource("overlays")
    void servicesSelectWorkloads(String overlay) {
        Render r = Render.of(overlay);
        List<String> p = new ArrayList<>();
        for (Service s : r.all(Service.class)) {
            String id = "Service/" + s.getMetadata().getName();
            Map<String, String> selector = s.getSpec().getSelector();
            if (selector == null || selector.isEmpty()) {
                p.add(id + ": has no selector");
                continue;
            }
            List<Workloads.Workload> targets = Workloads.longRunning(r)
                    .filter(w -> Objects.equals(w.owner().getMetadata().getNamespace(), s.getMetadata().getNamespace()))
                    .filter(w -> Workloads.matches(selector, w.podLabels())).toList();
            if (targets.isEmpty()) {
                p.add(id + ": selector " + selector + " matches no Deployment/StatefulSet pod template");
                continue;
            }
            for (Workloads.Workload w : targets) {
                Set<String> names = new HashSet<>();
                Set<Integer> numbers = new HashSet<>();
                w.template().getSpec().getContainers().forEach(c -> Optional.ofNullable(c.getPorts())
                        .orElse(List.of()).forEach(cp -> {
                            names.add(cp.getName());
                            numbers.add(cp.getContainerPort());
                        }));
                for (ServicePort sp : s.getSpec().getPorts()) {
                    IntOrString target = sp.getTargetPort() != null ? sp.getTargetPort() : new IntOrString(sp.getPort());
                    if (!portExists(target, names, numbers)) {
                        p.add(id + " port " + sp.getName() + ": targetPort " + target + " is not a port of " + w.id());
                    }
                }
            }
        }
        assertNone(p, "Services that route nowhere", r);
    }

    /** Stripe must reach its webhook, and nothing else of invoice-service may be routed from outside. */
    @ParameterizedTest(name = "{0}: the Stripe webhook is routed, and only it, to invoice-service")
    @MethodSource("overlays")
    void stripeWebhookIsTheOnlyPublicInvoicePath(String overlay) {
        Render r = Render.of(overlay);
        List<String> routes = new ArrayList<>();
        for (Ingress ing : r.all(Ingress.class)) {
            for (IngressRule rule : ing.getSpec().getRules()) {
                rule.getHttp().getPaths().stream().filter(path -> "invoice-service".equals(path.getBackend().getService().getName()))
                        .forEach(path -> routes.add(ing.getMetadata().getName() + " " + rule.getHost() + " "
                                + path.getPathType() + " " + path.getPath()));
            }
        }
        assertEquals(1, routes.size(), "invoice-service routes: " + routes);
        assertTrue(routes.get(0).endsWith(" Exact /v1/webhooks/stripe"), routes.get(0));
    }

    @ParameterizedTest(name = "{0}: Ingress backends exist")
    @MethodSource("overlays")
    void ingressBackendsExist(String overlay) {
        Render r = Render.of(overlay);
        List<String> p = new ArrayList<>();
        List<Ingress> ingresses = r.all(Ingress.class);
        if (ingresses.stream().noneMatch(i -> "portal".equals(i.getMetadata().getName()))) {
            p.add("no Ingress 'portal'");
        }
        for (Ingress ing : ingresses) {
            String id = "Ingress/" + ing.getMetadata().getName();
            if (ing.getSpec().getIngressClassName() == null) {
                p.add(id + ": no ingressClassName");
            }
            for (IngressRule rule : ing.getSpec().getRules()) {
                rule.getHttp().getPaths().forEach(path -> {
                    IngressBackend b = path.getBackend();
                    String svc = b.getService().getName();
                    Optional<Service> target = r.find(Service.class, svc);
                    if (target.isEmpty()) {
                        if (!OPERATOR_SERVICES.containsKey(svc)) {
                            p.add(id + ": backend Service " + svc + " is not in the render");
                        }
                        return;
                    }
                    var port = b.getService().getPort();
                    boolean ok = target.get().getSpec().getPorts().stream().anyMatch(sp -> port.getName() != null
                            ? port.getName().equals(sp.getName()) : Objects.equals(port.getNumber(), sp.getPort()));
                    if (!ok) {
                        p.add(id + ": backend port " + port + " is not a port of Service/" + svc);
                    }
                });
            }
            if (overlay.equals("prod")) {
                List<IngressTLS> tls = Optional.ofNullable(ing.getSpec().getTls()).orElse(List.of());
                Set<String> tlsHosts = new HashSet<>();
                tls.forEach(t -> tlsHosts.addAll(t.getHosts()));
                for (IngressRule rule : ing.getSpec().getRules()) {
                    if (!tlsHosts.contains(rule.getHost())) {
                        p.add(id + ": prod host " + rule.getHost() + " has no TLS");
                    }
                }
            }
        }
        assertNone(p, "Ingress problems", r);
    }

    @ParameterizedTest(name = "{0}: every ConfigMap/Secret key a container uses exists (or is a documented external Secret)")
    @MethodSource("overlays")
    void configReferencesResolve(String overlay) {
        Render r = Render.of(overlay);
        Map<String, Set<String>> external = ExternalSecrets.load();
        Map<String, Set<String>> configMaps = new HashMap<>();
        Map<String, Set<String>> secrets = new HashMap<>();
        for (ConfigMap cm : r.all(ConfigMap.class)) {
            Set<String> keys = new HashSet<>();
            Optional.ofNullable(cm.getData()).ifPresent(d -> keys.addAll(d.keySet()));
            Optional.ofNullable(cm.getBinaryData()).ifPresent(d -> keys.addAll(d.keySet()));
            configMaps.put(cm.getMetadata().getName(), keys);
        }
        for (Secret s : r.all(Secret.class)) {
            Set<String> keys = new HashSet<>();
            Optional.ofNullable(s.getData()).ifPresent(d -> keys.addAll(d.keySet()));
            Optional.ofNullable(s.getStringData()).ifPresent(d -> keys.addAll(d.keySet()));
            secrets.put(s.getMetadata().getName(), keys);
        }
        Function<String, Set<String>> secretKeys = name -> secrets.containsKey(name) ? secrets.get(name)
                : external.get(name);
        List<String> p = new ArrayList<>();
        for (Workloads.Workload w : Workloads.of(r)) {
            for (Container c : w.allContainers()) {
                String cid = w.id() + " container " + c.getName();
                for (EnvFromSource ef : Optional.ofNullable(c.getEnvFrom()).orElse(List.of())) {
                    if (ef.getConfigMapRef() != null && !Boolean.TRUE.equals(ef.getConfigMapRef().getOptional())
                            && !configMaps.containsKey(ef.getConfigMapRef().getName())) {
                        p.add(cid + ": envFrom ConfigMap " + ef.getConfigMapRef().getName() + " is not in the render");
                    }
                    if (ef.getSecretRef() != null && !Boolean.TRUE.equals(ef.getSecretRef().getOptional())
                            && secretKeys.apply(ef.getSecretRef().getName()) == null) {
                        p.add(cid + ": envFrom Secret " + ef.getSecretRef().getName()
                                + " is neither in the render nor in " + ExternalSecrets.FILE);
                    }
                }
                for (EnvVar e : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
                    if (e.getValueFrom() == null) {
                        continue;
                    }
                    var cmk = e.getValueFrom().getConfigMapKeyRef();
                    if (cmk != null) {
                        Set<String> keys = configMaps.get(cmk.getName());
                        if (keys == null || !keys.contains(cmk.getKey())) {
                            p.add(cid + " env " + e.getName() + ": ConfigMap " + cmk.getName() + " key " + cmk.getKey()
                                    + (keys == null ? " - no such ConfigMap" : " - no such key " + keys));
                        }
                    }
                    var sk = e.getValueFrom().getSecretKeyRef();
                    if (sk != null) {
                        Set<String> keys = secretKeys.apply(sk.getName());
                        if (keys == null || !keys.contains(sk.getKey())) {
                            p.add(cid + " env " + e.getName() + ": Secret " + sk.getName() + " key " + sk.getKey()
                                    + (keys == null ? " is neither in the render nor in " + ExternalSecrets.FILE
                                            : " - no such key, known keys " + keys));
                        }
                    }
                }
            }
            for (Volume v : Optional.ofNullable(w.template().getSpec().getVolumes()).orElse(List.of())) {
                if (v.getConfigMap() != null && !configMaps.containsKey(v.getConfigMap().getName())) {
                    p.add(w.id() + " volume " + v.getName() + ": ConfigMap " + v.getConfigMap().getName()
                            + " is not in the render");
                }
                if (v.getSecret() != null && secretKeys.apply(v.getSecret().getSecretName()) == null) {
                    p.add(w.id() + " volume " + v.getName() + ": Secret " + v.getSecret().getSecretName()
                            + " is neither in the render nor in " + ExternalSecrets.FILE);
                }
            }
        }
        for (SecretRefs.Ref ref : SecretRefs.nonContainer(r)) {
            Set<String> keys = secretKeys.apply(ref.name());
            if (keys == null) {
                p.add(ref.from() + ": Secret " + ref.name() + " is neither in the render nor in " + ExternalSecrets.FILE);
            } else if (!keys.containsAll(ref.keys())) {
                p.add(ref.from() + ": Secret " + ref.name() + " needs keys " + ref.keys() + ", known " + keys);
            }
        }
        assertNone(p, "dangling ConfigMap/Secret references", r);
    }

    @ParameterizedTest(name = "{0}: PodDisruptionBudget for every service, HPA for quota-service and usage-service")
    @MethodSource("overlays")
    void availability(String overlay) {
        Render r = Render.of(overlay);
        List<String> p = new ArrayList<>();
        for (Deployment d : r.all(Deployment.class)) {
            Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
            boolean covered = r.all(PodDisruptionBudget.class).stream()
                    .anyMatch(pdb -> Workloads.matches(pdb.getSpec().getSelector(), labels));
            if (!covered) {
                p.add("Deployment/" + d.getMetadata().getName() + ": no PodDisruptionBudget selects its pods");
            }
        }
        Set<String> hpaTargets = new TreeSet<>();
        for (HorizontalPodAutoscaler h : r.all(HorizontalPodAutoscaler.class)) {
            var ref = h.getSpec().getScaleTargetRef();
            hpaTargets.add(ref.getName());
            Optional<Deployment> d = r.find(Deployment.class, ref.getName());
            if (!"Deployment".equals(ref.getKind()) || d.isEmpty()) {
                p.add("HorizontalPodAutoscaler/" + h.getMetadata().getName() + ": target " + ref.getKind() + "/"
                        + ref.getName() + " is not a Deployment of the render");
            } else if (d.get().getSpec().getReplicas() != null) {
                p.add("Deployment/" + ref.getName() + ": sets replicas although an HPA scales it");
            }
            if (h.getSpec().getMinReplicas() == null || h.getSpec().getMinReplicas() > h.getSpec().getMaxReplicas()) {
                p.add("HorizontalPodAutoscaler/" + h.getMetadata().getName() + ": bad min/max replicas");
            }
        }
        assertNone(p, "availability problems", r);
        assertEquals(Set.of("quota-service", "usage-service"), hpaTargets, "[" + r + "] HPA targets");
    }
}
