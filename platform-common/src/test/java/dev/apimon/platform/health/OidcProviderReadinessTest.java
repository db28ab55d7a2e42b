package dev.apimon.platform.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ServerSocket;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

class OidcProviderReadinessTest {
    private static String unreachableIssuer() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) { // a port nobody listens on once closed
            return "http://127.0.0.1:" + s.getLocalPort() + "/realms/apimon";
        }
    }

    @Test
    void anUnreachableProviderKeepsThePodOutOfTraffic() throws Exception {
        HealthCheckResponse r = new OidcProviderReadiness(Optional.of(unreachableIssuer()), true).call();
        assertEquals(HealthCheckResponse.Status.DOWN, r.getStatus());
    }

    @Test
    void withoutAnEnabledTenantThereIsNoProviderToWaitFor() throws Exception {
        assertEquals(HealthCheckResponse.Status.UP, new OidcProviderReadiness(Optional.of(unreachableIssuer()), false).call().getStatus());
        assertEquals(HealthCheckResponse.Status.UP, new OidcProviderReadiness(Optional.empty(), true).call().getStatus());
    }
}
