package dev.apimon.platform.health;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness is DOWN while the OIDC provider cannot serve its discovery document: without it no token can be
 * verified, so the pod should not take traffic (but it must not crash-loop either).
 */
@Readiness
@ApplicationScoped
public class OidcProviderReadiness implements HealthCheck {
    private static final String NAME = "OIDC provider";
    private final Optional<String> authServerUrl;
    private final boolean tenantEnabled;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public OidcProviderReadiness(@ConfigProperty(name = "quarkus.oidc.auth-server-url") Optional<String> authServerUrl,
                                 @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "true") boolean tenantEnabled) {
        this.authServerUrl = authServerUrl;
        this.tenantEnabled = tenantEnabled;
    }

    @Override
    public HealthCheckResponse call() {
        if (authServerUrl.isEmpty() || !tenantEnabled) { // no provider to wait for (a tenant-less bench, for one)
            return HealthCheckResponse.named(NAME).up().withData("configured", false).build();
        }
        String url = authServerUrl.get().replaceAll("/+$", "") + "/.well-known/openid-configuration";
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() == 200) {
                return HealthCheckResponse.named(NAME).up().withData("issuer", authServerUrl.get()).build();
            }
            return HealthCheckResponse.named(NAME).down().withData("issuer", authServerUrl.get())
                    .withData("reason", "discovery answered HTTP " + r.statusCode()).build();
        } catch (Exception e) {
            return HealthCheckResponse.named(NAME).down().withData("issuer", authServerUrl.get())
                    .withData("reason", "unreachable: " + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : " " + e.getMessage())).build();
        }
    }
}
