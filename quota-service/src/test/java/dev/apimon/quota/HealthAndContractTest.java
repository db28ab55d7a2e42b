package dev.apimon.quota;

import dev.apimon.testinfra.RedisResource;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.ServiceContractTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class HealthAndContractTest extends ServiceContractTest {
    @Override
    protected String[] readinessChecks() {
        return new String[] {"Redis connection health check", "Kafka connection health check", "OIDC provider", "quota view"};
    }
}
