package bench.bucket4j;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * POST /v1/checks with the same bodies as quota-service's bench: one Bucket4j bucket per key in Redis through
 * Lettuce (the library's compare-and-swap proxy manager), enforcing the bench plan's rate limit.
 */
@Path("/v1/checks")
@Singleton
public class Bucket4jResource {
    public record CheckRequest(String key, String operation) {
    }

    public record CheckResponse(boolean allowed) {
    }

    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final AsyncProxyManager<String> buckets;
    private final BucketConfiguration config;

    public Bucket4jResource(@ConfigProperty(name = "bench.redis-uri") String uri,
                            @ConfigProperty(name = "bench.limit") long limit,
                            @ConfigProperty(name = "bench.window") Duration window) {
        client = RedisClient.create(uri);
        connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        buckets = Bucket4jLettuce.casBasedBuilder(connection)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(60)))
                .build().asAsync();
        config = BucketConfiguration.builder()
                .addLimit(l -> l.capacity(limit).refillGreedy(limit, window))
                .build();
    }

    void close(@Observes ShutdownEvent ev) {
        connection.close();
        client.shutdown();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<CheckResponse> check(CheckRequest req) {
        CompletableFuture<Boolean> ok = buckets.builder()
                .build("b4j:" + req.key(), () -> CompletableFuture.completedFuture(config))
                .tryConsume(1);
        return Uni.createFrom().completionStage(ok).map(CheckResponse::new);
    }
}
