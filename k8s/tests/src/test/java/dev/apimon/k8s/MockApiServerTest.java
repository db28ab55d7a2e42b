package dev.apimon.k8s;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Applies every rendered object to fabric8's mock API server (CRUD mode) - the operator CRDs are registered first,
 * as a cluster would have them - then reads each one back. Applying twice must also work (kubectl apply is re-run).
 */
@EnableKubernetesMockClient(crud = true)
class MockApiServerTest {
    static KubernetesClient client;

    static List<String> overlays() {
        return Render.OVERLAYS;
    }

    @BeforeAll
    static void registerOperatorCrds() {
        for (CustomResources.Kind k : CustomResources.KINDS) {
            client.apiextensions().v1().customResourceDefinitions().resource(CustomResources.crd(k))
                    .createOr(NonDeletingOperation::update);
        }
    }

    @ParameterizedTest(name = "{0}: every object applies to the mock API server and reads back")
    @MethodSource("overlays")
    void appliesToMockApiServer(String overlay) {
        Render r = Render.of(overlay);
        assertTrue(r.problems.isEmpty(), "[" + r + "] does not parse: " + r.problems);
        List<String> p = new ArrayList<>();
        for (int round = 1; round <= 2; round++) {
            for (Render.Doc doc : r.docs) {
                HasMetadata obj = doc.object();
                try {
                    HasMetadata applied = apply(obj);
                    if (applied == null) {
                        p.add("round " + round + ": " + doc.id() + " - apply returned nothing");
                    }
                } catch (RuntimeException e) {
                    p.add("round " + round + ": " + doc.id() + " - " + e.getMessage());
                }
            }
        }
        for (Render.Doc doc : r.docs) {
            HasMetadata back;
            try {
                back = read(doc.object());
            } catch (RuntimeException e) {
                p.add(doc.id() + " - cannot read back: " + e.getMessage());
                continue;
            }
            if (back == null) {
                p.add(doc.id() + " - not found after apply");
            } else if (!doc.object().getKind().equals(back.getKind())) {
                p.add(doc.id() + " - read back as " + back.getKind());
            }
        }
        assertTrue(p.isEmpty(), "[" + r + "] mock API server rejected:\n  - " + String.join("\n  - ", p));
    }

    private static HasMetadata apply(HasMetadata obj) {
        if (obj instanceof Namespace) {
            return client.resource(obj).createOr(NonDeletingOperation::update);
        }
        return client.resource(obj).inNamespace(obj.getMetadata().getNamespace())
                .createOr(NonDeletingOperation::update);
    }

    private static HasMetadata read(HasMetadata obj) {
        if (obj instanceof Namespace) {
            return client.namespaces().withName(obj.getMetadata().getName()).get();
        }
        if (obj instanceof GenericKubernetesResource g) {
            return client.genericKubernetesResources(g.getApiVersion(), g.getKind())
                    .inNamespace(g.getMetadata().getNamespace()).withName(g.getMetadata().getName()).get();
        }
        return client.resource(obj).inNamespace(obj.getMetadata().getNamespace()).get();
    }
}
