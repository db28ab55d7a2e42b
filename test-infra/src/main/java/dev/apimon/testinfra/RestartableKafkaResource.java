package dev.apimon.usage.support;

import dev.apimon.testinfra.RepoRoot;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A private single-node KRaft broker like test-infra's KafkaResource, plus {@link #stopBroker()} /
 * {@link #startBroker()} for outage tests: the broker is killed (SIGKILL, as a crash) and restarted on the same
 * ports and data directory. Belongs in test-infra next to RedisResource's stopServer/startServer.
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
        if (!Files.isDirectory(libs)) {
            throw new IllegalStateException("Kafka jars missing in " + libs + ": run bin/apimon test (or mvn -f infra/kafka/pom.xml package)");
        }
        try {
            dir = Files.createTempDirectory("apimon-kafka-restartable");
            int port = freePort();
            int controller = freePort();
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
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp = libs + "/*";
            Process format = new ProcessBuilder(java, "-cp", cp, "kafka.tools.StorageTool", "format", "--standalone", "-t",
                    Uuid.randomUuid().toString(), "-c", props.toString()).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("format.log").toFile()).start();
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IllegalStateException("Kafka storage format failed; see " + dir.resolve("format.log"));
            }
            command = List.of(java, "-Xmx512m", "-Dkafka.logs.dir=" + dir.resolve("logs"), "-cp", cp, "kafka.Kafka", props.toString());
            bootstrap = "127.0.0.1:" + port;
            startBroker();
            return Map.of("kafka.bootstrap.servers", bootstrap);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts the broker (again) on the same ports and data, and waits until it serves. */
    public static synchronized void startBroker() {
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.log").toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!clusterUp()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("Kafka broker did not start; see " + dir.resolve("kafka.log"));
            }
        }
    }

    /** Kills the broker as a crash would (SIGKILL). */
    public static synchronized void stopBroker() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    @Override
    public void stop() {
        stopBroker();
    }
}
