package dev.apimon.quota.limits.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-event-loop connection: opened once and reused, reopened after it ended, failed or was abandoned. */
class LoopConnectionsTest {
    final Vertx vertx = Vertx.vertx();
    final Deque<Supplier<Future<RedisConnection>>> connects = new ArrayDeque<>();
    final java.util.concurrent.atomic.AtomicInteger connectCalls = new java.util.concurrent.atomic.AtomicInteger();
    final AtomicLong clock = new AtomicLong();
    final LoopConnections connections = new LoopConnections(client(), 1_000, clock::get);

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    static final class FakeConnection {
        Handler<Void> end;
        int closed;
        RedisConnection proxy;
    }

    @Test
    void anAlreadyOpenPooledConnectionIsUsedAndKept() throws Exception {
        FakeConnection c = fake();
        connects.add(() -> Future.succeededFuture(c.proxy)); // completes at once, as an idle pooled connection does
        assertSame(c.proxy, onLoop());
        assertSame(c.proxy, onLoop());
        assertEquals(1, connectCalls.get(), "opened once");
    }

    @Test
    void anEndedConnectionIsReplacedByTheNextBatch() throws Exception {
        FakeConnection first = fake();
        FakeConnection second = fake();
        connects.add(() -> Future.succeededFuture(first.proxy));
        connects.add(() -> Future.succeededFuture(second.proxy));
        assertSame(first.proxy, onLoop());
        run(() -> first.end.handle(null)); // Redis restarted: the socket closed
        assertSame(second.proxy, onLoop());
        assertEquals(1, first.closed, "the ended connection went back to the pool");
    }

    @Test
    void aFailedConnectIsReportedAndRetriedByTheNextBatch() throws Exception {
        FakeConnection c = fake();
        connects.add(() -> Future.failedFuture("Connection refused"));
        connects.add(() -> Future.succeededFuture(c.proxy));
        assertEquals("Connection refused", onLoopError());
        assertSame(c.proxy, onLoop());
    }

    @Test
    void batchesWaitForOneConnectAndAStaleConnectIsNotWaitedFor() throws Exception {
        Promise<RedisConnection> slow = Promise.promise();
        FakeConnection c = fake();
        connects.add(slow::future);
        CompletableFuture<RedisConnection> a = new CompletableFuture<>();
        CompletableFuture<RedisConnection> b = new CompletableFuture<>();
        run(() -> {
            connections.with((conn, err) -> a.complete(conn));
            connections.with((conn, err) -> b.complete(conn));
        });
        run(() -> slow.complete(c.proxy));
        assertSame(c.proxy, a.get(5, TimeUnit.SECONDS));
        assertSame(c.proxy, b.get(5, TimeUnit.SECONDS));
        assertEquals(1, connectCalls.get(), "one connect for both batches");

        // abandoned (stopped answering): the next batch connects again; that connect hangs past the stale limit,
        // so the batch after it starts another one instead of waiting
        FakeConnection fresh = fake();
        connects.add(() -> Promise.<RedisConnection>promise().future());
        connects.add(() -> Future.succeededFuture(fresh.proxy));
        run(connections::abandon);
        assertEquals(1, c.closed);
        CompletableFuture<RedisConnection> hanging = new CompletableFuture<>();
        run(() -> connections.with((conn, err) -> hanging.complete(conn)));
        clock.addAndGet(2_000);
        assertSame(fresh.proxy, onLoop());
        assertNull(hanging.getNow(null), "the hung connect's batch is still waiting (its budget answers it)");
    }

    private RedisConnection onLoop() throws Exception {
        CompletableFuture<RedisConnection> got = new CompletableFuture<>();
        run(() -> connections.with((c, err) -> {
            if (err != null) {
                got.completeExceptionally(err);
            } else {
                got.complete(c);
            }
        }));
        return got.get(5, TimeUnit.SECONDS);
    }

    private String onLoopError() throws Exception {
        CompletableFuture<String> got = new CompletableFuture<>();
        run(() -> connections.with((c, err) -> got.complete(err == null ? "no error" : err.getMessage())));
        return got.get(5, TimeUnit.SECONDS);
    }

    /** Runs on the test's one event loop (the connections are per event loop) and waits for it. */
    private final io.vertx.core.Context loop = vertx.getOrCreateContext();

    private void run(Runnable r) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.runOnContext(v -> {
            try {
                r.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        done.get(5, TimeUnit.SECONDS);
    }

    private FakeConnection fake() {
        FakeConnection f = new FakeConnection();
        f.proxy = (RedisConnection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RedisConnection.class},
                (p, m, args) -> switch (m.getName()) {
                    case "endHandler" -> {
                        @SuppressWarnings("unchecked")
                        Handler<Void> h = (Handler<Void>) args[0];
                        f.end = h;
                        yield p;
                    }
                    case "exceptionHandler" -> p;
                    case "close" -> {
                        f.closed++;
                        yield Future.succeededFuture();
                    }
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == args[0];
                    case "toString" -> "fake connection";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return f;
    }

    private Redis client() {
        return (Redis) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Redis.class}, (p, m, args) -> {
            if (m.getName().equals("connect") && (args == null || args.length == 0)) {
                connectCalls.incrementAndGet();
                return connects.removeFirst().get();
            }
            throw new UnsupportedOperationException(m.getName());
        });
    }
}
