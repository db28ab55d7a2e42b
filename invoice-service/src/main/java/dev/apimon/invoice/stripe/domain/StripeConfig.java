package dev.apimon.invoice.stripe.domain;

import jakarta.inject.Singleton;
import dev.apimon.platform.time.Backoff;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Stripe settings. {@code STRIPE_API_KEY} (property {@code stripe.api-key}) enables the sync; without it invoices are
 * still finalized and their sync is recorded as disabled. {@code STRIPE_WEBHOOK_SECRET} verifies webhooks.
 * {@code stripe.api-base} points stripe-java at another host (tests use a local stand-in).
 */
@Singleton
public class StripeConfig {
    private final Optional<String> apiKey;
    private final Optional<String> webhookSecret;
    private final Optional<String> apiBase;
    private final int maxAttempts;
    private final Backoff backoff;
    private final Duration webhookTolerance;
    private final Duration lease;

    public StripeConfig(@ConfigProperty(name = "stripe.api-key") Optional<String> apiKey,
                        @ConfigProperty(name = "stripe.webhook-secret") Optional<String> webhookSecret,
                        @ConfigProperty(name = "stripe.api-base") Optional<String> apiBase,
                        @ConfigProperty(name = "apimon.stripe.max-attempts", defaultValue = "10") int maxAttempts,
                        @ConfigProperty(name = "apimon.stripe.backoff-base", defaultValue = "PT30S") Duration backoffBase,
                        @ConfigProperty(name = "apimon.stripe.backoff-max", defaultValue = "PT1H") Duration backoffMax,
                        @ConfigProperty(name = "apimon.stripe.webhook-tolerance", defaultValue = "PT5M") Duration webhookTolerance,
                        @ConfigProperty(name = "apimon.stripe.lease", defaultValue = "PT5M") Duration lease) {
        this.apiKey = apiKey.filter(s -> !s.isBlank());
        this.webhookSecret = webhookSecret.filter(s -> !s.isBlank());
        this.apiBase = apiBase.filter(s -> !s.isBlank());
        this.maxAttempts = maxAttempts;
        this.backoff = new Backoff(backoffBase, backoffMax);
        this.webhookTolerance = webhookTolerance;
        this.lease = lease;
    }

    public boolean enabled() {
        return apiKey.isPresent();
    }

    public Optional<String> apiKey() {
        return apiKey;
    }

    public Optional<String> webhookSecret() {
        return webhookSecret;
    }

    public Optional<String> apiBase() {
        return apiBase;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** Exponential: base, 2×base, 4×base … capped at max. */
    public Duration backoff(int attempts) {
        return backoff.after(attempts);
    }

    public Duration webhookTolerance() {
        return webhookTolerance;
    }

    /**
     * How long a claimed job is a worker's: longer than any push takes. A worker that died mid-push (a crashed pod)
     * leaves its jobs running until the lease ends; then any replica resumes them.
     */
    public Duration lease() {
        return lease;
    }
}
