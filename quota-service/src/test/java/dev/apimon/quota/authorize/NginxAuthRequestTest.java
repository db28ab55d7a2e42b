package dev.apimon.quota.authorize;

import static dev.apimon.quota.support.Fixtures.rate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.quota.support.Fixtures.Key;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real nginx (the Debian package) in front of a small upstream, with auth_request to /v1/authorize: 200, 401,
 * 403 and 429 reach the client with their headers, and the upstream sees the X-Customer-Id quota-service set (not
 * one the client sent). nginx's auth_request only passes 2xx/401/403, so the documented configuration maps the
 * subrequest's 429 back from nginx's 500 with error_page (docs/quota-service.md).
 */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class NginxAuthRequestTest {
    static Process nginx;
    static HttpServer upstream;
    static Path dir;
    static int nginxPort;
    static final Map<String, String> seenByUpstream = new ConcurrentHashMap<>();

    @TestHTTPResource("/")
    URL quota;

    static String nginxBinary() {
        for (String p : List.of("/usr/sbin/nginx", "/usr/bin/nginx")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    /** nginx is a Debian package: installed here if missing (root + apt); the test is skipped only if that fails. */
    static String ensureNginx() throws Exception {
        String bin = nginxBinary();
        if (bin != null) {
            return bin;
        }
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            return null;
        }
        ProcessBuilder pb = new ProcessBuilder("apt-get", "install", "-y", "-q", "nginx").redirectErrorStream(true);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        pb.environment().put("RUNLEVEL", "1"); // install only; do not start the system's nginx service
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(5, TimeUnit.MINUTES);
        bin = nginxBinary();
        if (bin == null) {
            System.out.println("apt-get install nginx failed:\n" + out);
        }
        return bin;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @BeforeAll
    static void startUpstream() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", ex -> {
            String customer = ex.getRequestHeaders().getFirst("X-Customer-Id");
            seenByUpstream.put(ex.getRequestURI().getPath(), customer == null ? "" : customer);
            byte[] body = ("upstream saw X-Customer-Id=" + customer).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        upstream.start();
    }

    void startNginx() throws Exception {
        String bin = ensureNginx();
        if (bin == null) {
            String why = "nginx is not installed and could not be installed (needs root and apt-get with Debian's registry); "
                    + "bin/apimon test installs it";
            System.out.println("SKIPPED NginxAuthRequestTest: " + why);
            Assumptions.abort(why);
        }
        dir = Files.createTempDirectory("apimon-nginx");
        Files.createDirectories(dir.resolve("logs"));
        nginxPort = freePort();
        String conf = Files.readString(Path.of("src/test/resources/nginx/auth-request.conf"))
                .replace("@PREFIX@", dir.toString())
                .replace("@USER@", "root".equals(System.getProperty("user.name")) ? "user root;" : "")
                .replace("@NGINX_PORT@", Integer.toString(nginxPort))
                .replace("@QUOTA@", "127.0.0.1:" + quota.getPort())
                .replace("@UPSTREAM@", "127.0.0.1:" + upstream.getAddress().getPort());
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        nginx = new ProcessBuilder(bin, "-p", dir.toString(), "-c", confFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("logs/stdout.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", nginxPort)) {
                return;
            } catch (IOException e) {
                if (!nginx.isAlive()) {
                    throw new IllegalStateException("nginx exited: " + Files.readString(dir.resolve("logs/stdout.log"))
                            + Files.readString(dir.resolve("logs/error.log")));
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nginx did not listen on " + nginxPort);
    }

    @AfterAll
    static void stop() throws Exception {
        if (nginx != null) {
            nginx.destroy(); // SIGTERM to our own master process; it stops its workers
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    HttpResponse<String> get(String path, String key, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nginxPort + path)).timeout(Duration.ofSeconds(10));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HttpClient.newHttpClient().send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void nginxAuthRequestPassesDecisionsAndHeadersThrough() throws Exception {
        startNginx();
        Customer c = Fixtures.customer(List.of(rate("default", 3, "PT1H")), List.of(), List.of("GET /pets/**"), Instant.parse("2026-01-01T00:00:00Z"));
        Key revoked = Fixtures.newKey("live").revoked(Instant.now());
        Fixtures.keys(c.id(), "com.apimon.key.revoked", c.key(), revoked);
        Fixtures.awaitCode(revoked.plaintext(), "GET /pets/1", "REVOKED");

        // 200: the upstream is reached and sees the customer quota-service resolved, not the one the client claims
        HttpResponse<String> ok = get("/pets/1", c.key().plaintext(), "X-Customer-Id", "cus_forged");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("upstream saw X-Customer-Id=" + c.id(), ok.body());
        assertEquals(c.id(), seenByUpstream.get("/pets/1"));
        assertEquals("\"default\";q=3;w=3600", ok.headers().firstValue("RateLimit-Policy").orElse(null));
        assertEquals("\"default\";r=2;t=1200", ok.headers().firstValue("RateLimit").orElse(null));
        assertEquals("2", ok.headers().firstValue("X-RateLimit-Remaining").orElse(null));
        assertEquals("3", ok.headers().firstValue("X-RateLimit-Limit").orElse(null));

        // 401: missing, malformed and revoked keys, with the Bearer challenge
        HttpResponse<String> none = get("/pets/1", null);
        assertEquals(401, none.statusCode());
        assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        assertEquals(401, get("/pets/1", "sk_live_garbage").statusCode());
        HttpResponse<String> rev = get("/pets/1", revoked.plaintext());
        assertEquals(401, rev.statusCode());
        assertEquals("REVOKED", rev.headers().firstValue("X-Apimon-Code").orElse(null));

        // 403: not entitled
        HttpResponse<String> forbidden = get("/admin", c.key().plaintext());
        assertEquals(403, forbidden.statusCode());
        assertEquals("FORBIDDEN", forbidden.headers().firstValue("X-Apimon-Code").orElse(null));
        assertTrue(!seenByUpstream.containsKey("/admin"), "a refused request never reaches the upstream");

        // 429 with Retry-After and the RateLimit fields
        assertEquals(200, get("/pets/2", c.key().plaintext()).statusCode());
        assertEquals(200, get("/pets/3", c.key().plaintext()).statusCode());
        HttpResponse<String> limited = get("/pets/4", c.key().plaintext());
        assertEquals(429, limited.statusCode(), limited.body());
        assertEquals("1200", limited.headers().firstValue("Retry-After").orElse(null));
        assertEquals("\"default\";r=0;t=3600", limited.headers().firstValue("RateLimit").orElse(null));
        assertEquals("0", limited.headers().firstValue("X-RateLimit-Remaining").orElse(null));
        assertEquals("RATE_LIMITED", limited.headers().firstValue("X-Apimon-Code").orElse(null));
        assertTrue(!seenByUpstream.containsKey("/pets/4"));
    }
}
