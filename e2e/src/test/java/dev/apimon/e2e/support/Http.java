package dev.apimon.e2e.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A small JSON client over java.net.http: every call answers a {@link Reply}; transport failures throw. */
public final class Http {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private Http() {
    }

    /** Status, headers and body of one answer. */
    public record Reply(int status, Map<String, List<String>> headers, String body) {
        public JsonNode json() {
            if (body == null || body.isBlank()) {
                return MissingNode.getInstance();
            }
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("not JSON (HTTP " + status + "): " + body, e);
            }
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().get(0)).orElse(null);
        }

        /** The reply itself when its status is the expected one, else an assertion error showing the body. */
        public Reply expect(int expected) {
            if (status != expected) {
                throw new AssertionError("expected HTTP " + expected + " but got " + status + ": " + body);
            }
            return this;
        }
    }

    public static Reply get(String url, String bearer) {
        return send(request(url, bearer, Map.of()).GET());
    }

    public static Reply post(String url, String bearer, Object body) {
        return post(url, bearer, body, Map.of());
    }

    public static Reply post(String url, String bearer, Object body, Map<String, String> headers) {
        return send(request(url, bearer, headers).header("Content-Type", headers.getOrDefault("Content-Type", "application/json"))
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body instanceof String s ? s : write(body))));
    }

    public static HttpRequest.Builder request(String url, String bearer, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        headers.forEach((k, v) -> {
            if (!k.equalsIgnoreCase("Content-Type")) {
                b.header(k, v);
            }
        });
        return b;
    }

    public static Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new TransportFailure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Connection refused or reset, timeout: what a client sees while a service is down. */
    public static final class TransportFailure extends RuntimeException {
        TransportFailure(IOException cause) {
            super(cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
        }
    }
}
