package dev.apimon.testinfra;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Real access tokens from Keycloak's apimon realm (password grant of the public apimon-cli client). */
public final class Tokens {
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Tokens() {
    }

    public static String admin() {
        return of("admin", "admin");
    }

    public static String alice() {
        return of("alice", "alice");
    }

    public static String bob() {
        return of("bob", "bob");
    }

    /** Tokens live 5 minutes in the realm; one test run is shorter, so a per-JVM cache is safe. */
    public static String of(String user, String password) {
        return CACHE.computeIfAbsent(user, u -> fetch(u, password));
    }

    private static String fetch(String user, String password) {
        String form = "grant_type=password&client_id=apimon-cli&username=" + enc(user) + "&password=" + enc(password);
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(KeycloakResource.issuer() + "/protocol/openid-connect/token"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("token for " + user + ": HTTP " + r.statusCode() + " " + r.body());
            }
            return JSON.readTree(r.body()).get("access_token").asText();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
