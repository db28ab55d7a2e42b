package dev.apimon.usage.aggregation.messaging;

import dev.apimon.usage.config.UsageConfig;
import dev.apimon.usage.customers.messaging.CustomerSnapshotConsumer;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * The consumer threads are alive. A batch that keeps failing (database or Kafka down) is reported as data, not
 * as DOWN: the database and Kafka checks already say which dependency is missing, and the threads recover.
 */
@Readiness
@Singleton
public class AggregatorReadiness implements HealthCheck {
    private final UsageEventsConsumer aggregator;
    private final CustomerSnapshotConsumer customers;
    private final boolean aggregationEnabled;

    public AggregatorReadiness(UsageEventsConsumer aggregator, CustomerSnapshotConsumer customers, UsageConfig config) {
        this.aggregator = aggregator;
        this.customers = customers;
        this.aggregationEnabled = config.aggregation().enabled();
    }

    @Override
    public HealthCheckResponse call() {
        boolean aggregatorUp = !aggregationEnabled || aggregator.loops().stream().allMatch(l -> l.isRunning());
        boolean customersUp = customers.loop().isRunning();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("Usage consumers").status(aggregatorUp && customersUp)
                .withData("aggregator", aggregationEnabled ? (aggregatorUp ? "running" : "stopped") : "disabled")
                .withData("customers", customersUp ? "running" : "stopped");
        aggregator.loops().stream().map(l -> l.lastFailure()).filter(f -> f != null).findFirst()
                .ifPresent(f -> b.withData("aggregator_retrying", f));
        if (customers.loop().lastFailure() != null) {
            b.withData("customers_retrying", customers.loop().lastFailure());
        }
        return b.build();
    }
}
