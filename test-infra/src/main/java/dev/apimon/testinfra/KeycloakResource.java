package dev.apimon.testinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real Keycloak server with the repository's {@code apimon} realm. Keycloak takes seconds to start, so one
 * server is shared by every module's tests: started by {@code bin/apimon} (which {@code bin/apimon test} does
 * first) and, when a developer runs Maven directly, started here through the same script.
 */
public class KeycloakResource implements QuarkusTestResourceLifecycleManager {

    public static String baseUrl() {
        return System.getenv().getOrDefault("APIMON_KEYCLOAK_URL", "http://127.0.0.1:8180");
    }

    public static String issuer() {
        return baseUrl() + "/realms/apimon";
    }

    static boolean realmUp() {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(issuer() + "/.well-known/openid-configuration"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /** A running Keycloak can be slow to answer on a loaded machine: it is asked three times before it counts as down. */
    static boolean realmUpPatiently() {
        for (int i = 0; i < 3; i++) {
            if (realmUp()) {
                return true;
            }
            Processes.sleep(1000);
        }
        return false;
    }

    @Override
    public Map<String, String> start() {
        if (!realmUpPatiently()) {
            Path root = RepoRoot.find();
            Processes.run(List.of(root.resolve("bin/apimon").toString(), "infra", "keycloak"), root,
                    root.resolve(".run").resolve("keycloak-from-tests.log"), Duration.ofMinutes(10));
            Processes.await("Keycloak realm apimon", Duration.ofSeconds(60), KeycloakResource::realmUp, null, null);
        }
        return Map.of("quarkus.oidc.auth-server-url", issuer());
    }

    @Override
    public void stop() {
        // shared server: bin/apimon test / bin/apimon down stop it
    }
}
