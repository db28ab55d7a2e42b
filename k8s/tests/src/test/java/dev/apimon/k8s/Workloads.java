package dev.apimon.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/** Pod templates of the workloads in a render, and label-selector matching. */
final class Workloads {
    /** The six application services (Deployments). */
    static final List<String> SERVICES = List.of("portal-bff", "key-service", "quota-service", "usage-service",
            "rating-service", "invoice-service");

    record Workload(HasMetadata owner, PodTemplateSpec template) {
        String id() {
            return owner.getKind() + "/" + owner.getMetadata().getName();
        }

        Map<String, String> podLabels() {
            Map<String, String> labels = template.getMetadata() == null ? null : template.getMetadata().getLabels();
            return labels == null ? Map.of() : labels;
        }

        List<Container> allContainers() {
            List<Container> out = new ArrayList<>(template.getSpec().getContainers());
            if (template.getSpec().getInitContainers() != null) {
                out.addAll(template.getSpec().getInitContainers());
            }
            return out;
        }
    }

    private Workloads() {
    }

    static List<Workload> of(Render r) {
        List<Workload> out = new ArrayList<>();
        r.all(Deployment.class).forEach(d -> out.add(new Workload(d, d.getSpec().getTemplate())));
        r.all(StatefulSet.class).forEach(s -> out.add(new Workload(s, s.getSpec().getTemplate())));
        r.all(DaemonSet.class).forEach(s -> out.add(new Workload(s, s.getSpec().getTemplate())));
        r.all(Job.class).forEach(j -> out.add(new Workload(j, j.getSpec().getTemplate())));
        r.all(CronJob.class).forEach(c -> out.add(new Workload(c, c.getSpec().getJobTemplate().getSpec().getTemplate())));
        return out;
    }

    static Stream<Workload> longRunning(Render r) {
        return of(r).stream().filter(w -> w.owner() instanceof Deployment || w.owner() instanceof StatefulSet);
    }

    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        Map<String, String> ml = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        List<LabelSelectorRequirement> exprs = selector.getMatchExpressions() == null ? List.of()
                : selector.getMatchExpressions();
        for (Map.Entry<String, String> e : ml.entrySet()) {
            if (!Objects.equals(labels.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        for (LabelSelectorRequirement req : exprs) {
            String v = labels.get(req.getKey());
            List<String> values = req.getValues() == null ? List.of() : req.getValues();
            boolean ok = switch (req.getOperator()) {
                case "In" -> v != null && values.contains(v);
                case "NotIn" -> v == null || !values.contains(v);
                case "Exists" -> v != null;
                case "DoesNotExist" -> v == null;
                default -> throw new AssertionError("unknown selector operator " + req.getOperator());
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty()
                && selector.entrySet().stream().allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
    }

    /** The tag of an image reference ("" when none); a digest reference answers "@digest". */
    static String tag(String image) {
        if (image.contains("@sha256:")) {
            return "@digest";
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(colon + 1) : "";
    }
}
