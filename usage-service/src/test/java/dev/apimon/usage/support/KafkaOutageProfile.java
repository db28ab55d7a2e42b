package dev.apimon.usage.support;

import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.RestartableKafkaResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/** Its own app instance with a broker the test can kill and restart (the other tests share test-infra's broker). */
public class KafkaOutageProfile implements QuarkusTestProfile {
    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(PostgresResource.class), new TestResourceEntry(RestartableKafkaResource.class),
                new TestResourceEntry(KeycloakResource.class));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("apimon.usage.ingest.publish-timeout", "PT5S", "apimon.usage.ingest.retry-after-seconds", "1");
    }
}
