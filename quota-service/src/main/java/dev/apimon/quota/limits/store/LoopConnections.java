package dev.apimon.quota.limits.store;

import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.impl.PooledRedisConnection;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * One long-lived Redis connection per event loop, opened on that event loop (so sending needs no thread hop) and
 * used for every batch from it, commands pipelined. Borrowing a pooled connection per command, as {@code
 * Redis.send} does, costs a pool acquire/release per command and spreads commands over many sockets: more
 * syscalls on both sides. A connection that ends or fails (Redis restarted, killed) is dropped and the next batch
 * opens a new one, so recovery needs no restart; one that stopped answering is closed by {@link #abandon()}.
 */
final class LoopConnections {
    private final Redis client;
    private final long staleConnectNanos;
    private final LongSupplier nanoTime;
    private final FastThreadLocal<Slot> slots = new FastThreadLocal<>() {
        @Override
        protected Slot initialValue() {
            return new Slot();
        }
    };

    /**
     * @param staleConnectNanos a connect that has not completed after this long (a hung Redis accepts TCP but never
     *                          answers the handshake) is not waited for: the next batch starts another one
     */
    LoopConnections(Redis client, long staleConnectNanos, LongSupplier nanoTime) {
        this.client = client;
        this.staleConnectNanos = staleConnectNanos;
        this.nanoTime = nanoTime;
    }

    /** This event loop's connection, opening it when there is none. {@code done} runs on this event loop. */
    void with(BiConsumer<RedisConnection, Throwable> done) {
        slots.get().with(done);
    }

    /** Closes this event loop's connection (it stopped answering): the next batch opens a new one. */
    void abandon() {
        slots.get().abandon();
    }

    /** Only ever touched from its event loop's thread (connect and connection callbacks run there too). */
    private final class Slot {
        private RedisConnection connection;
        private Future<RedisConnection> connecting;
        private long connectStarted;

        void with(BiConsumer<RedisConnection, Throwable> done) {
            RedisConnection c = connection;
            if (c != null) {
                done.accept(c, null);
                return;
            }
            Future<RedisConnection> f = connecting;
            if (f == null || nanoTime.getAsLong() - connectStarted > staleConnectNanos) {
                f = connect(); // may already be complete (an idle pooled connection): then connecting is null again
            }
            f.onComplete(ar -> {
                if (ar.failed()) {
                    done.accept(null, ar.cause());
                } else if (connection != null) {
                    done.accept(connection, null);
                } else {
                    done.accept(null, new IllegalStateException("Redis connection closed right after it was opened"));
                }
            });
        }

        /** Starts opening a connection; its first listener installs it as this loop's connection. */
        private Future<RedisConnection> connect() {
            connectStarted = nanoTime.getAsLong();
            Future<RedisConnection> f = client.connect(); // on this event loop: the client binds it to the caller's
            connecting = f;
            f.onComplete(ar -> {
                if (connecting == f) {
                    connecting = null;
                }
                if (ar.failed()) {
                    return;
                }
                RedisConnection c = ar.result();
                if (connection != null) {
                    c.close(); // a newer or older attempt won: back to the pool
                    return;
                }
                connection = c;
                // the pool may hand out an idle connection opened on another event loop: its handlers run there
                Context own = Vertx.currentContext();
                c.exceptionHandler(e -> dropOn(own, c));
                c.endHandler(x -> dropOn(own, c));
            });
            return f;
        }

        private void dropOn(Context own, RedisConnection c) {
            if (own == null || own.equals(Vertx.currentContext())) {
                drop(c);
            } else {
                own.runOnContext(v -> drop(c));
            }
        }

        private void drop(RedisConnection c) {
            if (connection == c) {
                connection = null;
            }
            c.close();
        }

        void abandon() {
            RedisConnection c = connection;
            if (c == null) {
                return;
            }
            connection = null;
            if (c instanceof PooledRedisConnection pooled) {
                // the public API can only return a connection to the pool; a connection that stopped answering
                // must not go back there, so its socket is closed (its pending commands fail, already answered)
                pooled.actual().forceClose();
            }
            c.close();
        }
    }
}
