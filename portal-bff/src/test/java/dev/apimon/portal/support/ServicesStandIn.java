package dev.apimon.portal.support;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * One WireMock server standing in for the REST APIs of key-, usage-, rating- and invoice-service (our own
 * services, not infrastructure: their real behaviour is covered by their own tests and the end-to-end suite).
 */
public class ServicesStandIn implements QuarkusTestResourceLifecycleManager {
    public static WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        server.start();
        String url = "http://127.0.0.1:" + server.port();
        return Map.of("quarkus.rest-client.key-service.url", url, "quarkus.rest-client.usage-service.url", url,
                "quarkus.rest-client.rating-service.url", url, "quarkus.rest-client.invoice-service.url", url);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
