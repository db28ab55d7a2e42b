package dev.apimon.quota.checks.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class EventLoopPerCoreTest {
    private final EventLoopPerCore source = new EventLoopPerCore();

    @Test
    void defaultsTheEventLoopsToTheCoresTheJvmMayUse() {
        assertEquals(Set.of("quarkus.vertx.event-loops-pool-size"), source.getPropertyNames());
        assertEquals(Integer.toString(Runtime.getRuntime().availableProcessors()),
                source.getValue("quarkus.vertx.event-loops-pool-size"));
        assertNull(source.getValue("quarkus.http.port"), "it sets nothing else");
    }

    @Test
    void givesWayToApplicationPropertiesTheEnvironmentAndSystemProperties() {
        assertTrue(source.getOrdinal() < 250, "application.properties is 250, the environment 300, -D 400");
    }
}
