package dev.apimon.testinfra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A formatted single-node KRaft broker directory on free ports, ready to start: what {@link KafkaResource} and
 * {@link RestartableKafkaResource} share (the Apache jars from .cache/kafka/libs, fetched on first use).
 */
record KraftBroker(Path dir, String bootstrap, List<String> command) {
    /** A broker that dies while starting gets fresh ports and a fresh directory this many times in all. */
    static final int ATTEMPTS = 3;

    /**
     * Prepares a broker and runs {@code start} on it. One that exits while starting (a port found free, then taken
     * before the broker bound it) is given to {@code cleanUp} and prepared again on fresh ports.
     */
    static KraftBroker startFresh(String dirPrefix, List<String> extraProperties, Consumer<KraftBroker> start,
                                  Consumer<KraftBroker> cleanUp) {
        for (int attempt = 1; ; attempt++) {
            KraftBroker broker;
            try {
                broker = prepare(dirPrefix, extraProperties);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            try {
                start.accept(broker);
                return broker;
            } catch (Processes.EarlyExit e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                System.err.println("Kafka broker attempt " + attempt + " of " + ATTEMPTS + " failed, retrying: " + e.getMessage());
                cleanUp.accept(broker);
            }
        }
    }

    /** Fetches the jars if missing, writes server.properties (plus {@code extraProperties}) and formats the storage. */
    static KraftBroker prepare(String dirPrefix, List<String> extraProperties) throws IOException {
        Path root = RepoRoot.find();
        Path libs = root.resolve(".cache/kafka/libs");
        Path dir = Files.createTempDirectory(dirPrefix);
        if (!hasJars(libs)) {
            Processes.run(List.of("mvn", "-B", "-q", "-f", root.resolve("infra/kafka/pom.xml").toString(), "package"),
                    root, dir.resolve("fetch.log"), Duration.ofMinutes(10));
        }
        int port = Processes.freePort();
        int controller = Processes.freePort();
        Path props = dir.resolve("server.properties");
        List<String> lines = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=3",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true"));
        lines.addAll(extraProperties);
        lines.add("");
        Files.writeString(props, String.join("\n", lines));
        String cp = libs + "/*";
        Processes.run(List.of(Processes.javaBin(), "-cp", cp, "kafka.tools.StorageTool", "format", "--standalone",
                "-t", Uuid.randomUuid().toString(), "-c", props.toString()), dir, dir.resolve("format.log"), Duration.ofMinutes(1));
        return new KraftBroker(dir, "127.0.0.1:" + port, List.of(Processes.javaBin(), "-Xmx512m",
                "-Dkafka.logs.dir=" + dir.resolve("logs"), "-cp", cp, "kafka.Kafka", props.toString()));
    }

    /** Deletes the broker's data once it is stopped; its logs stay, for a failed test. */
    void deleteData() {
        Processes.deleteTree(dir.resolve("data"));
    }

    Path log() {
        return dir.resolve("kafka.log");
    }

    /** True once the broker answers a cluster description. */
    boolean up() {
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

    private static boolean hasJars(Path libs) throws IOException {
        if (!Files.isDirectory(libs)) {
            return false;
        }
        try (Stream<Path> s = Files.list(libs)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("kafka_2.13"));
        }
    }
}
