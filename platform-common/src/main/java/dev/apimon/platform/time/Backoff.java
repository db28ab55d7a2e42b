package dev.apimon.platform.time;

import java.time.Duration;

/** Exponential retry delays: base, 2×base, 4×base … capped at max. */
public record Backoff(Duration base, Duration max) {
    public Backoff {
        if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= max, got " + base + " and " + max);
        }
    }

    /** The wait after the given number of failed attempts (1 = the first failure waits base). */
    public Duration after(int attempts) {
        Duration d = base.multipliedBy(1L << Math.min(20, Math.max(0, attempts - 1)));
        return d.compareTo(max) > 0 ? max : d;
    }
}
