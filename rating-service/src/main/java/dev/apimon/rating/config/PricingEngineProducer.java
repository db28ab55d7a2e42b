package dev.apimon.rating.config;

import dev.apimon.rating.pricing.PricingEngine;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

public class PricingEngineProducer {
    @Produces
    @Singleton
    PricingEngine engine(PricingConfig config) {
        return new PricingEngine(config.rounding());
    }
}
