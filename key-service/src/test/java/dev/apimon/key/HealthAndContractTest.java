package dev.apimon.key;

import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.ServiceContractTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class HealthAndContractTest extends ServiceContractTest {
    @Override
    protected String[] readinessChecks() {
        return new String[] {"Database connections health check", "Database migrations", "Kafka connection health check", "OIDC provider"};
    }
}
