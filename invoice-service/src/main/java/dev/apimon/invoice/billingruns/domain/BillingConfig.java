package dev.apimon.invoice.billingruns.domain;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.RoundingMode;
import java.time.Duration;

/** {@code apimon.billing.*}: how periods close. */
@ConfigMapping(prefix = "apimon.billing")
public interface BillingConfig {
    /** How long a closed period's invoice stays a draft so late usage still counts. */
    @WithDefault("PT1H")
    Duration grace();

    /** Rounding of each invoice line to the currency's minor units. */
    @WithDefault("HALF_UP")
    RoundingMode rounding();

    /** How often the scheduler runs a billing run as of now ("off" disables it; tests drive it by hand). */
    @WithDefault("60s")
    String runEvery();

    /** Delay of the first scheduled run after start. */
    @WithDefault("15s")
    String runDelay();

    /** Subscriptions closed in parallel by one billing run (mostly waiting on rating and PostgreSQL, so more than the cores). */
    @WithDefault("8")
    int parallelism();
}
