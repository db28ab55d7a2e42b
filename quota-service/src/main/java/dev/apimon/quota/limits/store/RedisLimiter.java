package dev.apimon.quota.limits.store;

import dev.apimon.quota.limits.domain.LimitRequest;
import dev.apimon.quota.limits.domain.LimitResult;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Runs limits.lua with EVALSHA: one round trip per check. A Redis that lost its script cache (restart, failover)
 * answers NOSCRIPT; the call is then repeated once with EVAL, which also caches the script again.
 */
@Singleton
public class RedisLimiter {
    private static final int GRACE_DAYS = 1;
    private final Redis redis;
    private final io.vertx.redis.client.Redis bare;
    private final String script;
    private final String sha;
    private final long idempotencyTtlMillis;

    public RedisLimiter(Redis redis, dev.apimon.quota.QuotaConfig config) {
        this.redis = redis;
        this.bare = redis.getDelegate();
        this.script = readScript();
        this.sha = sha1(script);
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
     * Sends the check's limits; {@code done} gets the result or the failure. Plain Vert.x callbacks (no reactive
     * operators) because this runs once per check on the event loop.
     */
    public void evaluate(LimitRequest r, BiConsumer<LimitResult, Throwable> done) {
        List<String> args = arguments(r, idempotencyTtlMillis);
        int nr = r.rates().size();
        bare.send(command(io.vertx.redis.client.Command.EVALSHA, sha, args)).onComplete(ar -> {
            if (ar.succeeded()) {
                complete(ar.result(), nr, done);
            } else if (isNoScript(ar.cause())) {
                bare.send(command(io.vertx.redis.client.Command.EVAL, script, args)).onComplete(again -> {
                    if (again.succeeded()) {
                        complete(again.result(), nr, done);
                    } else {
                        done.accept(null, again.cause());
                    }
                });
            } else {
                done.accept(null, ar.cause());
            }
        });
    }

    private static void complete(io.vertx.redis.client.Response resp, int nr, BiConsumer<LimitResult, Throwable> done) {
        LimitResult result;
        try {
            result = parse(resp, nr);
        } catch (RuntimeException e) {
            done.accept(null, e);
            return;
        }
        done.accept(result, null);
    }

    private static boolean isNoScript(Throwable t) {
        return t != null && t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT");
    }

    private static io.vertx.redis.client.Request command(io.vertx.redis.client.Command cmd, String scriptOrSha, List<String> args) {
        io.vertx.redis.client.Request req = io.vertx.redis.client.Request.cmd(cmd).arg(scriptOrSha);
        for (String a : args) {
            req.arg(a);
        }
        return req;
    }

    /** numkeys, KEYS..., ARGV... exactly as limits.lua reads them. */
    static List<String> arguments(LimitRequest r, long idempotencyTtlMillis) {
        int nr = r.rates().size();
        List<String> keys = new ArrayList<>(nr + 4);
        for (LimitRequest.Rate rate : r.rates()) {
            keys.add(rate.counterKey());
        }
        if (r.hasQuota()) {
            keys.add(r.quota().counterKey());
        }
        if (r.idempotencyKey() != null) {
            keys.add(r.idempotencyKey());
        }
        if (r.hasQuota()) {
            keys.add(r.quota().alertKeyPrefix() + "80");
            keys.add(r.quota().alertKeyPrefix() + "100");
        }
        List<String> out = new ArrayList<>(1 + keys.size() + 6 + 2 * nr + 6);
        out.add(Integer.toString(keys.size()));
        out.addAll(keys);
        out.add(Long.toString(r.nowMicros()));
        out.add(Long.toString(r.cost()));
        out.add(Integer.toString(nr));
        out.add(r.hasQuota() ? "1" : "0");
        out.add(r.idempotencyKey() != null ? "1" : "0");
        out.add(Long.toString(idempotencyTtlMillis));
        for (LimitRequest.Rate rate : r.rates()) {
            out.add(Long.toString(rate.gcra().emissionMicros()));
            out.add(Long.toString(rate.gcra().capacityMicros()));
        }
        if (r.hasQuota()) {
            LimitRequest.Quota q = r.quota();
            // relative TTLs from the service clock: counters outlive their period by a day (late checks, operators)
            long ttl = Math.max(0, q.period().end().toEpochMilli() - r.nowMicros() / 1000) + Duration.ofDays(GRACE_DAYS).toMillis();
            out.add(Long.toString(q.spec().limit()));
            out.add(q.spec().hard() ? "1" : "0");
            out.add(Long.toString(ttl));
            out.add(Long.toString(ttl));
            out.add(Long.toString(q.threshold(80)));
            out.add(Long.toString(q.threshold(100)));
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

    private static String readScript() {
        try (InputStream in = RedisLimiter.class.getResourceAsStream("/quota/limits.lua")) {
            if (in == null) {
                throw new IllegalStateException("quota/limits.lua is missing from the classpath");
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
