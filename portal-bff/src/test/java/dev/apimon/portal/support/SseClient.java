package dev.apimon.portal.support;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/** Reads a Server-Sent Events stream of the BFF in the background, as a browser's EventSource would. */
public final class SseClient implements AutoCloseable {
    private final List<String> data = new ArrayList<>();
    private final List<String> rawLines = new ArrayList<>();
    private final HttpResponse<InputStream> response;
    private final Thread reader;
    private volatile boolean ended;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "sse-reader");
        reader.setDaemon(true);
        reader.start();
    }

    public static SseClient open(String url, String bearer) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + bearer)
                .header("Accept", "text/event-stream").build();
        return new SseClient(HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofInputStream()));
    }

    public int status() {
        return response.statusCode();
    }

    public String contentType() {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (data) {
                    rawLines.add(line);
                    if (line.startsWith("data:")) {
                        data.add(line.substring(5).trim());
                    }
                }
            }
        } catch (Exception closed) {
            // stream closed by us or by the server
        } finally {
            ended = true;
        }
    }

    /** The data of every event so far (one JSON document each). */
    public List<String> events() {
        synchronized (data) {
            return List.copyOf(data);
        }
    }

    public List<String> lines() {
        synchronized (data) {
            return List.copyOf(rawLines);
        }
    }

    /** True once the server closed the stream. */
    public boolean ended() {
        return ended;
    }

    public void awaitEvent(Predicate<String> which, Duration atMost) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(20))
                .until(() -> events().stream().anyMatch(which));
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (Exception ignored) {
            // already closed
        }
        reader.interrupt();
    }
}
