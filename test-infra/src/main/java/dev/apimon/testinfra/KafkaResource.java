package dev.apimon.testinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A private single-node Kafka broker (KRaft) for this test run, started as a separate JVM from the Apache
 * Kafka jars (fetched from Maven Central into .cache/kafka/libs by infra/kafka/pom.xml). A separate process
 * keeps the broker's dependencies off the service's test classpath.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {
    private Process process;
    private static String bootstrap;

    public static String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public Map<String, String> start() {
        try {
            KraftBroker broker = KraftBroker.prepare("apimon-kafka", List.of());
            process = Processes.start(broker.command(), broker.dir(), broker.log());
            bootstrap = broker.bootstrap();
            Processes.await("Kafka broker", Duration.ofSeconds(60), broker::up, process, broker.log());
            return Map.of("kafka.bootstrap.servers", bootstrap);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        Processes.stop(process);
    }
}
