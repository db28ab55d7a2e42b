package dev.apimon.platform.time;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Every service reads time from this Clock, so tests can replace it with one they move. */
public class ClockProducer {
    @Produces
    @Singleton
    @DefaultBean
    Clock systemUtc() {
        return Clock.systemUTC();
    }
}
