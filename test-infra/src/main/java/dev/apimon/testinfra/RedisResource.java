package dev.apimon.testinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A private, empty redis-server on a free port for this test run (the real server binary, not a fake). */
public class RedisResource implements QuarkusTestResourceLifecycleManager {
    private static Process process;
    private static int port;
    private static Path dir;

    /** The port of the running test Redis, for tests that stop and restart it. */
    public static int port() {
        return port;
    }

    @Override
    public Map<String, String> start() {
        port = Processes.freePort();
        try {
            dir = Files.createTempDirectory("apimon-redis");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        startServer();
        return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:" + port);
    }

    /** (Re)starts the server on the same port; fault tests call it after {@link #stopServer()}. */
    public static synchronized void startServer() {
        Path log = dir.resolve("redis.log");
        String bin = Files.isExecutable(Path.of("/usr/bin/redis-server")) ? "/usr/bin/redis-server" : "redis-server";
        process = Processes.start(List.of(bin, "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString()), dir, log);
        Processes.await("redis-server (install it with: bin/apimon test)", Duration.ofSeconds(20),
                () -> Processes.listening("127.0.0.1", port), process, log);
    }

    /** Stops the server (its data is lost: it keeps nothing on disk), as a Redis outage would. */
    public static synchronized void stopServer() {
        Processes.stop(process);
        process = null;
    }

    /** Hangs the server (SIGSTOP): connections stay open and nothing answers, as a stalled Redis would. */
    public static synchronized void pauseServer() {
        signal("STOP");
    }

    /** Resumes a server {@link #pauseServer() paused}, with its data. */
    public static synchronized void resumeServer() {
        signal("CONT");
    }

    private static void signal(String sig) {
        try {
            int rc = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException("kill -" + sig + " of redis-server exited with " + rc);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        stopServer();
    }
}
