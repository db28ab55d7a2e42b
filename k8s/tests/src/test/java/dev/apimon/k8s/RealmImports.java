package dev.apimon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Generates the prod KeycloakRealmImport (k8s/overlays/prod/keycloak/realm-import.yaml) from the local realm
 * infra/keycloak/apimon-realm.json: clients, roles, mappers and the user profile are kept; the demo users and every
 * client secret are dropped; redirect URIs point at the public portal host; TLS is required for external requests.
 * The client secrets are created afterwards (docs/kubernetes.md). RealmImportTest fails when the committed file
 * differs from what this produces; {@code -Dapimon.k8s.regenerate=true} rewrites it.
 */
final class RealmImports {
    static final String SOURCE = "infra/keycloak/apimon-realm.json";
    static final String TARGET = "k8s/overlays/prod/keycloak/realm-import.yaml";
    static final String PORTAL_URL = "https://portal.apimon.example.com";
    static final String KEYCLOAK_CR = "apimon-keycloak";
    private static final Set<String> LOCAL_PORTAL_ORIGINS = Set.of("http://localhost:8080", "http://127.0.0.1:8080");

    private static final String HEADER = """
            # GENERATED from infra/keycloak/apimon-realm.json by k8s/tests (RealmImports) - do not edit by hand:
            #   mvn -B -q -f k8s/tests/pom.xml test -Dapimon.k8s.regenerate=true
            # Realm apimon for production: clients, roles, protocol mappers and user profile of the local realm,
            # WITHOUT the demo users (only the clients' service-account users and their role mappings are kept) and
            # WITHOUT client secrets: Keycloak generates them at import; copy the portal-bff one into the Secret
            # apimon-portal-oidc (docs/kubernetes.md). Portal redirect URIs: %s
            # (change them with a kustomize patch on this KeycloakRealmImport).
            # The Keycloak Operator imports a realm only if it does not exist yet.
            """;

    private RealmImports() {
    }

    /** The prod realm representation derived from the local realm JSON. */
    static ObjectNode prodRealm() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode realm;
        try {
            realm = (ObjectNode) json.readTree(Repo.path(SOURCE).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        realm.put("sslRequired", "external");
        ArrayNode users = realm.withArray("users");
        for (Iterator<JsonNode> it = users.elements(); it.hasNext();) {
            JsonNode user = it.next();
            if (!user.hasNonNull("serviceAccountClientId")) {
                it.remove(); // a person (demo user), not a client's service account
            }
        }
        for (JsonNode client : realm.withArray("clients")) {
            ObjectNode c = (ObjectNode) client;
            c.remove("secret");
            if (c.has("redirectUris")) {
                c.set("redirectUris", publicUris(json, c.get("redirectUris")));
            }
            JsonNode attributes = c.get("attributes");
            if (attributes instanceof ObjectNode attrs && attrs.has("post.logout.redirect.uris")) {
                List<String> parts = List.of(attrs.get("post.logout.redirect.uris").asText().split("##"));
                ArrayNode uris = json.createArrayNode();
                parts.forEach(uris::add);
                List<String> mapped = new ArrayList<>();
                publicUris(json, uris).forEach(n -> mapped.add(n.asText()));
                attrs.put("post.logout.redirect.uris", String.join("##", mapped));
            }
        }
        return realm;
    }

    private static ArrayNode publicUris(ObjectMapper json, JsonNode uris) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode u : uris) {
            String uri = u.asText();
            String mapped = uri;
            if (uri.matches("http://(localhost|127\\.0\\.0\\.1):\\*")) {
                mapped = PORTAL_URL + "/*"; // local realm: any port on the loopback (tests pick free ports)
            }
            for (String local : LOCAL_PORTAL_ORIGINS) {
                if (uri.startsWith(local)) {
                    mapped = PORTAL_URL + uri.substring(local.length());
                }
            }
            out.add(mapped);
        }
        ArrayNode array = json.createArrayNode();
        out.forEach(array::add);
        return array;
    }

    /** The KeycloakRealmImport document, as committed. */
    static String generate() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode cr = json.createObjectNode();
        cr.put("apiVersion", "k8s.keycloak.org/v2alpha1");
        cr.put("kind", "KeycloakRealmImport");
        cr.putObject("metadata").put("name", "apimon-realm");
        ObjectNode spec = cr.putObject("spec");
        spec.put("keycloakCRName", KEYCLOAK_CR);
        spec.set("realm", prodRealm());
        YAMLMapper yaml = YAMLMapper.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                .disable(YAMLGenerator.Feature.SPLIT_LINES)
                .build();
        try {
            return HEADER.formatted(PORTAL_URL) + yaml.writeValueAsString(cr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the file when asked to and it differs; answers whether it is (now) in sync. */
    static boolean inSync(boolean regenerate) {
        Path target = Repo.path(TARGET);
        String expected = generate();
        try {
            String actual = Files.exists(target) ? Files.readString(target) : "";
            if (expected.equals(actual)) {
                return true;
            }
            if (regenerate) {
                Files.writeString(target, expected);
                return true;
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) {
        inSync(true);
        System.out.println("wrote " + TARGET);
    }
}
