package dev.apimon.testinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private single-node KRaft broker like {@link KafkaResource}, plus {@link #stopBroker()} / {@link #startBroker()}
 * for outage tests: the broker is killed (SIGKILL, as a crash) and restarted on the same ports and data directory.
 * One broker per JVM at a time (static, like {@link RedisResource}): usage-service's outage test and the end-to-end
 * stack use it.
 */
public class RestartableKafkaResource implements QuarkusTestResourceLifecycleManager {
    private static Process process;
    private static String bootstrap;
    private static KraftBroker broker;

    public static String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public Map<String, String> start() {
        KraftBroker.startFresh("apimon-kafka-restartable", List.of("transaction.state.log.num.partitions=3"), b -> {
            broker = b;
            bootstrap = b.bootstrap();
            startBroker();
        }, b -> stop());
        return Map.of("kafka.bootstrap.servers", bootstrap);
    }

    /** Starts the broker (again) on the same ports and data, and waits until it serves. */
    public static synchronized void startBroker() {
        Path log = broker.log();
        try {
            process = new ProcessBuilder(broker.command()).directory(broker.dir().toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // a JVM on a busy two-core machine can take long to start; the test fails if it takes longer than this
        Processes.await("Kafka broker", Duration.ofSeconds(120), broker::up, process, log);
    }

    /** Kills the broker as a crash would (SIGKILL). */
    public static synchronized void stopBroker() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                System.err.println("Kafka broker (pid " + process.pid() + ") still alive 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** The running broker's PID (-1 when stopped), e.g. to record it for clean-up after a killed test JVM. */
    public static synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** The broker's own log (appended across restarts), for diagnosing a failed test. */
    public static Path logFile() {
        return broker == null ? null : broker.log();
    }

    @Override
    public void stop() {
        stopBroker();
        if (broker != null) {
            broker.deleteData();
        }
    }
}
