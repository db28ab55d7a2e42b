package dev.apimon.quota.limits.store;

import dev.apimon.quota.limits.domain.CounterKeys;
import dev.apimon.quota.limits.domain.LimitRequest;
import dev.apimon.quota.limits.domain.LimitResult;
import dev.apimon.quota.limits.domain.LocalLimiter;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Runs limits.lua with EVALSHA for a batch of checks: one round trip, each check decided atomically on its own, in
 * order. Sent on this event loop's long-lived connection ({@link LoopConnections}). A Redis that lost its script
 * cache (restart, failover) answers NOSCRIPT, which means nothing ran; the batch is then sent once more with EVAL,
 * which also caches the script again.
 */
@Singleton
public class RedisLimiter {
    private static final Logger LOG = Logger.getLogger(RedisLimiter.class);
    private final Redis redis;
    private final LoopConnections connections;
    private final String script;
    private final String sha;
    private final String writeBackScript;
    private final long idempotencyTtlMillis;

    public RedisLimiter(Redis redis, dev.apimon.quota.QuotaConfig config) {
        this.redis = redis;
        this.connections = new LoopConnections(redis.getDelegate(), config.redis().hungAfter().toNanos(), System::nanoTime);
        this.script = readScript("/quota/limits.lua");
        this.sha = sha1(script);
        this.writeBackScript = readScript("/quota/write-back.lua");
        this.idempotencyTtlMillis = config.usage().dedupWindow().toMillis();
    }

    /** SCRIPT LOAD, so the first EVALSHA does not miss. */
    public Uni<Void> loadScript() {
        return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script)).replaceWithVoid();
    }

    public String sha() {
        return sha;
    }

    /**
     * Sends the batch's limits; {@code done} gets one result per check (null for a check the script failed on) or
     * the failure of the whole round trip. Must be called on an event loop; {@code done} runs on it. When the
     * connection had to be opened first and {@code stillWanted} is then false, nothing is sent and {@code done} is
     * not called.
     */
    public void evaluate(List<LimitRequest> batch, BooleanSupplier stillWanted, BiConsumer<LimitResult[], Throwable> done) {
        connections.with((conn, err) -> {
            if (err != null) {
                done.accept(null, err);
                return;
            }
            if (!stillWanted.getAsBoolean()) {
                return; // a new connection came too late for this batch: its checks were answered without Redis
            }
            conn.send(request(io.vertx.redis.client.Command.EVALSHA, sha, batch, idempotencyTtlMillis)).onComplete(ar -> {
                if (ar.succeeded()) {
                    complete(ar.result(), batch, done);
                } else if (isNoScript(ar.cause())) {
                    conn.send(request(io.vertx.redis.client.Command.EVAL, script, batch, idempotencyTtlMillis)).onComplete(again -> {
                        if (again.succeeded()) {
                            complete(again.result(), batch, done);
                        } else {
                            done.accept(null, again.cause());
                        }
                    });
                } else {
                    done.accept(null, ar.cause());
                }
            });
        });
    }

    /**
     * Adds units this replica allowed locally during an outage to their quota counter (write-back.lua: once per
     * write-back, however often it is sent); emits the counter's value after it. Rare, so a pooled connection and EVAL.
     */
    public Uni<Long> writeBack(LocalLimiter.WriteBack w, long nowMillis) {
        // the counter's expiry if this creates it, as limits.lua computes it: period end + grace, from the service clock;
        // the marker lives as long, so a write-back resent after any outage, however long, is still recognised
        long ttl = Math.max(0, w.periodEnd().toEpochMilli() - nowMillis) + CounterKeys.QUOTA_GRACE_MILLIS;
        return redis.send(Request.cmd(Command.EVAL).arg(writeBackScript).arg(2).arg(w.counterKey()).arg(w.markerKey())
                .arg(w.amount()).arg(ttl).arg(ttl)).map(r -> r.toLong());
    }

    /** This event loop's connection stopped answering: close it, the next batch opens a new one. */
    public void abandonConnection() {
        connections.abandon();
    }

    private static void complete(io.vertx.redis.client.Response resp, List<LimitRequest> batch, BiConsumer<LimitResult[], Throwable> done) {
        LimitResult[] results;
        try {
            results = parse(resp, batch);
        } catch (RuntimeException e) {
            done.accept(null, e);
            return;
        }
        done.accept(results, null);
    }

    private static boolean isNoScript(Throwable t) {
        return t != null && t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT");
    }

    static int keyCount(LimitRequest r) {
        return r.rates().size() + (r.hasQuota() ? 2 : 0) + (r.idempotencyKey() != null ? 1 : 0);
    }

    /** script/sha, numkeys, every check's KEYS and the pending-alerts set, then the number of checks and every check's ARGV. */
    static io.vertx.redis.client.Request request(io.vertx.redis.client.Command cmd, String scriptOrSha, List<LimitRequest> batch,
                                                 long idempotencyTtlMillis) {
        io.vertx.redis.client.Request req = io.vertx.redis.client.Request.cmd(cmd).arg(scriptOrSha);
        int keys = 0;
        for (LimitRequest r : batch) {
            keys += keyCount(r);
        }
        req.arg(keys + 1);
        for (LimitRequest r : batch) {
            for (LimitRequest.Rate rate : r.rates()) {
                req.arg(rate.counterKey());
            }
            if (r.hasQuota()) {
                req.arg(r.quota().counterKey());
            }
            if (r.idempotencyKey() != null) {
                req.arg(r.idempotencyKey());
            }
            if (r.hasQuota()) {
                req.arg(r.quota().alertKey());
            }
        }
        req.arg(CounterKeys.PENDING_ALERTS);
        req.arg(batch.size());
        for (LimitRequest r : batch) {
            arguments(req, r, idempotencyTtlMillis);
        }
        return req;
    }

    /** One check's ARGV exactly as limits.lua's decide() reads it. */
    private static void arguments(io.vertx.redis.client.Request out, LimitRequest r, long idempotencyTtlMillis) {
        int nr = r.rates().size();
        out.arg(r.nowMicros());
        out.arg(r.cost());
        out.arg(nr);
        out.arg(r.hasQuota() ? 1 : 0);
        out.arg(r.idempotencyKey() != null ? 1 : 0);
        out.arg(idempotencyTtlMillis);
        for (LimitRequest.Rate rate : r.rates()) {
            out.arg(rate.gcra().emissionMicros());
            out.arg(rate.gcra().capacityMicros());
        }
        if (r.hasQuota()) {
            LimitRequest.Quota q = r.quota();
            // a relative TTL from the service clock: counter and markers outlive their period by a day (late checks, operators)
            long ttl = Math.max(0, q.period().end().toEpochMilli() - r.nowMicros() / 1000) + CounterKeys.QUOTA_GRACE_MILLIS;
            out.arg(q.spec().limit());
            out.arg(q.spec().hard() ? 1 : 0);
            out.arg(ttl);
            out.arg(q.threshold(80));
            out.arg(q.threshold(100));
        }
    }

    static LimitResult[] parse(io.vertx.redis.client.Response resp, List<LimitRequest> batch) {
        if (resp.size() != batch.size()) {
            throw new IllegalStateException("limits.lua answered " + resp.size() + " results for " + batch.size() + " checks");
        }
        LimitResult[] out = new LimitResult[batch.size()];
        for (int i = 0; i < out.length; i++) {
            io.vertx.redis.client.Response one = resp.get(i);
            if (one.type() == io.vertx.redis.client.ResponseType.MULTI) {
                out[i] = parse(one, batch.get(i).rates().size());
            } else {
                LOG.debugf("limits.lua failed for one check: %s", one);
            }
        }
        return out;
    }

    static LimitResult parse(io.vertx.redis.client.Response resp, int nr) {
        long[] deltas = new long[nr];
        for (int i = 0; i < nr; i++) {
            deltas[i] = resp.get(5 + i).toLong();
        }
        return new LimitResult(resp.get(0).toLong() == 1, resp.get(1).toLong() == 1, deltas, resp.get(4).toLong(),
                resp.get(2).toLong() == 1, resp.get(3).toLong() == 1, LimitResult.Source.REDIS, null);
    }

    private static String readScript(String name) {
        try (InputStream in = RedisLimiter.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
