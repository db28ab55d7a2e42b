package dev.apimon.quota.state;

import dev.apimon.platform.security.Caller;
import dev.apimon.quota.limits.domain.CircuitBreaker;
import dev.apimon.quota.limits.store.ResilientLimiter;
import dev.apimon.quota.view.domain.QuotaView;
import dev.apimon.quota.view.messaging.ViewConsumer;
import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Operator view of quota-service: Redis counters, the limiter circuit and the in-memory view. */
@Path("/v1/state")
@Produces(MediaType.APPLICATION_JSON)
public class StateResource {
    private final RedisDataSource redis;
    private final QuotaView view;
    private final ViewConsumer consumer;
    private final ResilientLimiter limiter;

    public StateResource(RedisDataSource redis, QuotaView view, ViewConsumer consumer, ResilientLimiter limiter) {
        this.redis = redis;
        this.view = view;
        this.consumer = consumer;
        this.limiter = limiter;
    }

    public record State(long redisKeys, CircuitBreaker.State redisCircuit, boolean viewLoaded, String viewStatus,
                        Instant viewLoadedAt, QuotaView.Stats view) {
    }

    @GET
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Service state", description = "Redis counter keys, the Redis circuit, and what the view holds.")
    public State state() {
        return new State(redis.execute("DBSIZE").toLong(), limiter.circuit(), consumer.loaded(), consumer.status(),
                consumer.loadedAt(), view.stats());
    }
}
