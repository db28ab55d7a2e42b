package dev.apimon.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Starting, waiting for and stopping the server processes the tests use (also the end-to-end module's stack). */
public final class Processes {
    private static final int TAIL_LINES = 15;

    private Processes() {
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static Process start(List<String> command, Path dir, Path log) {
        try {
            return new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    public static void run(List<String> command, Path dir, Path log, Duration timeout) {
        Process p = start(command, dir, log);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out; see " + log + tail(log));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "); see " + log
                        + tail(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static void await(String what, Duration timeout, BooleanSupplier ready, Process process, Path log) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                throw new EarlyExit(what + " exited early (" + process.exitValue() + "); see " + log + tail(log));
            }
            if (ready.getAsBoolean()) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException(what + " not ready after " + timeout + "; see " + log + tail(log));
    }

    /** A server process that died while starting (a port taken meanwhile, say): starting again may succeed. */
    public static final class EarlyExit extends IllegalStateException {
        EarlyExit(String message) {
            super(message);
        }
    }

    /** The last {@code lines} lines of a process's log, or why there are none. */
    public static String tail(Path log, int lines) {
        try {
            // bytes, not readAllLines: a log cut mid-character must not hide the rest
            String[] all = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n");
            return String.join("\n", Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The log's tail for an exception message: CI shows the test report, not the temporary directory the log was in. */
    private static String tail(Path log) {
        return log == null ? "" : "\n--- last lines of " + log + " ---\n" + tail(log, TAIL_LINES);
    }

    /** Deletes a temporary directory tree (a test broker's data), best effort. */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }

    public static void stop(Process p) {
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
