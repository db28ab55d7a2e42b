package dev.apimon.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.junit.jupiter.api.Test;

/** The committed prod realm import is exactly what RealmImports generates from infra/keycloak/apimon-realm.json. */
class RealmImportTest {
    @Test
    void prodRealmImportIsGeneratedFromTheLocalRealm() {
        boolean regenerate = Boolean.getBoolean("apimon.k8s.regenerate");
        assertTrue(RealmImports.inSync(regenerate), RealmImports.TARGET + " is out of date with " + RealmImports.SOURCE
                + ": run  mvn -B -q -f k8s/tests/pom.xml test -Dapimon.k8s.regenerate=true  and commit the result");
    }

    @Test
    void renderedRealmEqualsTheGeneratedRealm() {
        GenericKubernetesResource imp = Render.of("prod").custom("k8s.keycloak.org/v2alpha1", "KeycloakRealmImport")
                .stream().findFirst().orElseThrow(() -> new AssertionError("prod: no KeycloakRealmImport"));
        JsonNode rendered = new ObjectMapper().valueToTree(CustomResources.spec(imp).get("realm"));
        // the YAML round trip (Jackson -> kustomize -> fabric8) keeps every value and its type
        assertEquals(RealmImports.prodRealm(), rendered, "KeycloakRealmImport realm after kustomize");
    }
}
