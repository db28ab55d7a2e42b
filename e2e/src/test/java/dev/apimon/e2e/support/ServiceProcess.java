package dev.apimon.e2e.support;

import dev.apimon.testinfra.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One child process of the stack (a service jar, nginx, the pet store): started with its command and environment,
 * its output appended to its own log (restarts append below a marker line), stopped gracefully or killed.
 */
public final class ServiceProcess {
    private final String name;
    private final int port;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path log;
    private final Path dir;
    private volatile Process process;

    public ServiceProcess(String name, int port, List<String> command, Map<String, String> env, Path dir, Path log) {
        this.name = name;
        this.port = port;
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.dir = dir;
        this.log = log;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    public boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    public synchronized void start() {
        if (alive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "\n===== e2e: starting " + name + " on port " + port + " at " + Instant.now() + " =====\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    /** SIGKILL, as a crash or an OOM kill would: no shutdown hook, no graceful close of anything. */
    public synchronized void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        waitFor(p, Duration.ofSeconds(30));
        process = null;
    }

    /** Sends SIGTERM without waiting (to stop several processes at once, then {@link #stop(Duration)} each). */
    public void requestStop() {
        Process p = process;
        if (p != null) {
            p.destroy();
        }
    }

    /** SIGTERM (graceful shutdown), then SIGKILL after 10 s. */
    public void stop() {
        stop(Duration.ofSeconds(10));
    }

    /** SIGTERM (graceful shutdown), then SIGKILL after the grace period. */
    public synchronized void stop(Duration grace) {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        if (!waitFor(p, grace)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            waitFor(p, Duration.ofSeconds(10));
        }
        process = null;
    }

    /** Fails fast with the log's tail when the process died, instead of waiting for a timeout. */
    public void assertAlive() {
        Process p = process;
        if (p != null && !p.isAlive()) {
            throw new IllegalStateException(name + " exited with " + p.exitValue() + "; see " + log + "\n" + tail(40));
        }
    }

    public String tail(int lines) {
        return Processes.tail(log, lines);
    }

    private static boolean waitFor(Process p, Duration d) {
        try {
            return p.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return name + "(" + url() + ", pid " + pid() + ")";
    }
}
