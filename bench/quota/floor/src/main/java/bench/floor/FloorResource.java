package bench.floor;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** GET /floor: one EVALSHA of a small GCRA script per request, nothing else. */
@Path("/floor")
public class FloorResource {
    static final String GCRA = """
            local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
            local now = tonumber(ARGV[1])
            if tat < now then tat = now end
            local nxt = tat + tonumber(ARGV[2])
            if nxt - now > tonumber(ARGV[3]) then return 0 end
            redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', 60000)
            return 1
            """;

    private final Redis redis;
    private volatile String sha;

    public FloorResource(Redis redis) {
        this.redis = redis;
    }

    void load(@Observes StartupEvent ev) {
        sha = redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(GCRA)).await().atMost(Duration.ofSeconds(10)).toString();
    }

    @GET
    public Uni<String> floor() {
        String key = "floor:{" + ThreadLocalRandom.current().nextInt(1000) + "}";
        long now = System.currentTimeMillis() * 1000;
        return redis.send(Request.cmd(Command.EVALSHA).arg(sha).arg(1).arg(key).arg(now).arg(60).arg(60_000_000L))
                .map(r -> r.toString());
    }
}
