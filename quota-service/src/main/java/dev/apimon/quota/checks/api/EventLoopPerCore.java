package dev.apimon.quota.checks.api;

import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Defaults the number of Vert.x event loops to one per core the JVM may use (a container's CPU limit), instead of
 * Vert.x's two per core. The check runs on the event loop end to end and never blocks, so a second loop per core
 * only adds threads competing for the same core: on 2 cores, 2 loops measured 91–97% of the one-EVALSHA floor's
 * throughput where 4 measured 80–84%, with a lower p99 (docs/quota-service.md, "Session 8").
 *
 * <p>Its ordinal is below {@code application.properties} (250), the environment (300) and system properties (400),
 * so {@code QUARKUS_VERTX_EVENT_LOOPS_POOL_SIZE} still overrides it.
 */
public final class EventLoopPerCore implements ConfigSource {
    static final String PROPERTY = "quarkus.vertx.event-loops-pool-size";
    static final int ORDINAL = 150;

    private final Map<String, String> values =
            Map.of(PROPERTY, Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors())));

    @Override
    public Set<String> getPropertyNames() {
        return values.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return values.get(propertyName);
    }

    @Override
    public String getName() {
        return "apimon-quota-event-loop-per-core";
    }

    @Override
    public int getOrdinal() {
        return ORDINAL;
    }
}
