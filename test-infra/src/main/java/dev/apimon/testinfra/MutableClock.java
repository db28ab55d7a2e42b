package dev.apimon.testinfra;

import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * In tests this bean replaces the services' default system Clock (which is a {@code @DefaultBean}); tests inject
 * it to set or advance time, e.g. to close a billing period.
 */
@Singleton
public class MutableClock extends Clock {
    private volatile Duration offset = Duration.ZERO;
    private volatile Instant fixed;

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        Instant f = fixed;
        return f != null ? f : Instant.now().plus(offset);
    }

    /** Freezes time at the instant. */
    public void set(Instant instant) {
        fixed = instant;
    }

    public void advance(Duration d) {
        Instant f = fixed;
        if (f != null) {
            fixed = f.plus(d);
        } else {
            offset = offset.plus(d);
        }
    }

    /** Back to real time. */
    public void reset() {
        fixed = null;
        offset = Duration.ZERO;
    }
}
