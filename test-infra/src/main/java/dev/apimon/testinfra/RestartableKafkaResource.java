package dev.apimon.testinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A private single-node KRaft broker like {@link KafkaResource}, plus {@link #stopBroker()} / {@link #startBroker()}
 * for outage tests: the broker is killed (SIGKILL, as a crash) and restarted on the same ports and data directory.
 * One broker per JVM at a time (static, like {@link RedisResource}): usage-service's outage test and the end-to-end
 * stack use it.
 */
public class RestartableKafkaResource implements QuarkusTestResourceLifecycleManager {
    private static Process process;
    private static String bootstrap;
    private static List<String> command;
    private static Path dir;

    public static String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public Map<String, String> start() {
        Path root = RepoRoot.find();
        Path libs = root.resolve(".cache/kafka/libs");
        try {
            dir = Files.createTempDirectory("apimon-kafka-restartable");
            if (!Files.isRegularFile(libs.resolve("kafka_2.13-4.3.1.jar"))) {
                Processes.run(List.of("mvn", "-B", "-q", "-f", root.resolve("infra/kafka/pom.xml").toString(), "package"),
                        root, dir.resolve("fetch.log"), Duration.ofMinutes(10));
            }
            int port = Processes.freePort();
            int controller = Processes.freePort();
            Path props = dir.resolve("server.properties");
            Files.writeString(props, String.join("\n",
                    "process.roles=broker,controller", "node.id=1",
                    "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "log.dirs=" + dir.resolve("data"), "num.partitions=3",
                    "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1", "transaction.state.log.num.partitions=3",
                    "share.coordinator.state.topic.replication.factor=1", "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0", "auto.create.topics.enable=true", ""));
            String cp = libs + "/*";
            Processes.run(List.of(Processes.javaBin(), "-cp", cp, "kafka.tools.StorageTool", "format", "--standalone", "-t",
                    Uuid.randomUuid().toString(), "-c", props.toString()), dir, dir.resolve("format.log"), Duration.ofMinutes(1));
            command = List.of(Processes.javaBin(), "-Xmx512m", "-Dkafka.logs.dir=" + dir.resolve("logs"), "-cp", cp, "kafka.Kafka",
                    props.toString());
            bootstrap = "127.0.0.1:" + port;
            startBroker();
            return Map.of("kafka.bootstrap.servers", bootstrap);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts the broker (again) on the same ports and data, and waits until it serves. */
    public static synchronized void startBroker() {
        Path log = dir.resolve("kafka.log");
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // a JVM on a busy two-core machine can take long to start; the test fails if it takes longer than this
        Processes.await("Kafka broker", Duration.ofSeconds(120), RestartableKafkaResource::clusterUp, process, log);
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
        return dir == null ? null : dir.resolve("kafka.log");
    }

    private static boolean clusterUp() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 1500);
        try (Admin admin = Admin.create(p)) {
            return !admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void stop() {
        stopBroker();
    }
}
