package dev.apimon.testinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
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
    private KraftBroker broker;
    private static String bootstrap;

    public static String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public Map<String, String> start() {
        KraftBroker.startFresh("apimon-kafka", List.of(), b -> {
            broker = b;
            process = Processes.start(b.command(), b.dir(), b.log());
            bootstrap = b.bootstrap();
            Processes.await("Kafka broker", Duration.ofSeconds(60), b::up, process, b.log());
        }, b -> stop());
        return Map.of("kafka.bootstrap.servers", bootstrap);
    }

    @Override
    public void stop() {
        Processes.stop(process);
        process = null;
        if (broker != null) {
            broker.deleteData();
        }
    }
}
