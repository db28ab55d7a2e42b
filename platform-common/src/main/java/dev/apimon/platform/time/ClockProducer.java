package dev.apimon.platform.time;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Every service reads time from this Clock, so tests can replace it with one they move. {@code apimon.clock.offset}
 * (default {@code PT0S}) runs a service ahead of (or behind) the system clock by a fixed duration: a whole stack started
 * with one offset lives in that shifted time (the end-to-end tests use it to reach a billing period's end without
 * waiting for it). Only ever set it on every service of a stack at once, and never in production.
 */
public class ClockProducer {
    private static final Logger LOG = Logger.getLogger(ClockProducer.class);

    @Produces
    @Singleton
    @DefaultBean
    Clock systemUtc(@ConfigProperty(name = "apimon.clock.offset", defaultValue = "PT0S") Duration offset) {
        if (offset.isZero()) {
            return Clock.systemUTC();
        }
        LOG.warnf("apimon.clock.offset=%s: this service's clock is shifted from the system clock (a test setting; every service of "
                + "the stack must use the same offset)", offset);
        return Clock.offset(Clock.systemUTC(), offset);
    }
}
