package dev.apimon.testinfra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Real access tokens from Keycloak's apimon realm: users by the password grant of the public apimon-cli client,
 * service accounts (e.g. the gateway's apimon-gateway) by client credentials.
 */
public final class Tokens {
    private static final Map<String, Token> CACHE = new ConcurrentHashMap<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Token(String value, Instant expires) {
        /** A minute of margin: a request that starts with the token must not see it expire on the way. */
        boolean fresh() {
            return Instant.now().isBefore(expires.minusSeconds(60));
        }
    }

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

    /**
     * A user's token, cached until shortly before it expires (the realm's tokens live 15 minutes; the end-to-end
     * module's JVM can run longer than one token lives).
     */
    public static String of(String user, String password) {
        return cached("user:" + user, "grant_type=password&client_id=apimon-cli&username=" + enc(user) + "&password=" + enc(password));
    }

    /** A confidential client's service-account token (client credentials grant), cached like user tokens. */
    public static String client(String clientId, String secret) {
        return cached("client:" + clientId, "grant_type=client_credentials&client_id=" + enc(clientId) + "&client_secret=" + enc(secret));
    }

    private static String cached(String key, String form) {
        return CACHE.compute(key, (k, t) -> t != null && t.fresh() ? t : fetch(k, form)).value();
    }

    /**
     * A token request is idempotent, so one that timed out is asked again: a Keycloak started moments ago answered a
     * user's first password grant in more than 10 s on a loaded CI host (three tries of 20 s each).
     */
    private static Token fetch(String who, String form) {
        for (int attempt = 1; ; attempt++) {
            try {
                return fetchOnce(who, form);
            } catch (IllegalStateException e) {
                if (attempt == 3 || !(e.getCause() instanceof java.net.http.HttpTimeoutException)) {
                    throw e;
                }
            }
        }
    }

    private static Token fetchOnce(String who, String form) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(KeycloakResource.issuer() + "/protocol/openid-connect/token"))
                    .timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("token for " + who + ": HTTP " + r.statusCode() + " " + r.body());
            }
            JsonNode body = JSON.readTree(r.body());
            return new Token(body.get("access_token").asText(), Instant.now().plusSeconds(body.path("expires_in").asLong(300)));
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
