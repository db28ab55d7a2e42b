package dev.apimon.rating.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.RoundingMode;

/** The rounding mode applied once per line (documented default HALF_UP, per ARCHITECTURE.md). */
@ConfigMapping(prefix = "apimon.pricing")
public interface PricingConfig {
    @WithDefault("HALF_UP")
    RoundingMode rounding();
}
