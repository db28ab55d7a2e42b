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

    /** {@code redisKeys} is null (and {@code redisError} says why) when Redis cannot answer: the state still shows. */
    public record State(Long redisKeys, String redisError, CircuitBreaker.State redisCircuit, boolean viewLoaded, String viewStatus,
                        Instant viewLoadedAt, QuotaView.Stats view) {
    }

    @GET
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Service state", description = "Redis counter keys, the Redis circuit, and what the view holds.")
    public State state() {
        CircuitBreaker.State circuit = limiter.circuit();
        Long keys = null;
        String error = null;
        if (circuit == CircuitBreaker.State.OPEN) {
            error = "not asked: the circuit to Redis is open";
        } else {
            try {
                keys = redis.execute("DBSIZE").toLong();
            } catch (RuntimeException e) { // an operator needs this answer most when Redis is failing
                error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
        }
        return new State(keys, error, circuit, consumer.loaded(), consumer.status(), consumer.loadedAt(), view.stats());
    }
}
