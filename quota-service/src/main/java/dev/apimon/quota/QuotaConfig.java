package dev.apimon.quota;

import dev.apimon.quota.limits.domain.FailurePolicy;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** quota-service settings (apimon.quota.*; env APIMON_QUOTA_...). */
@ConfigMapping(prefix = "apimon.quota")
public interface QuotaConfig {

    /** Meter of a check that names none. */
    @WithDefault("api_calls")
    String defaultMeter();

    /** Largest cost one check may ask for. */
    @WithDefault("1000000")
    long maxCost();

    Redis redis();

    Failure failure();

    Usage usage();

    Alerts alerts();

    View view();

    interface Redis {
        /** Per-call budget: a slower answer counts as a failure and the check is answered by the failure policy. */
        @WithDefault("20ms")
        Duration timeout();

        /**
         * A call still unanswered this long after it was sent counts as a failure for the circuit (a later answer
         * is a success: slowness alone falls back per call, only errors and silence open the circuit).
         */
        @WithDefault("200ms")
        Duration hungAfter();

        /** Consecutive failures that open the circuit (checks then skip Redis entirely). */
        @WithDefault("3")
        int failureThreshold();

        /** How long the circuit stays open before one probe call is let through. */
        @WithDefault("500ms")
        Duration openFor();
    }

    /** What each limit kind does while Redis is unavailable. */
    interface Failure {
        @WithDefault("open")
        FailurePolicy rate();

        @WithDefault("open")
        FailurePolicy quota();
    }

    interface Usage {
        @WithDefault("usage.events")
        String topic();

        /** ce_source of the usage events quota-service records. */
        @WithDefault("quota-service")
        String source();

        @WithDefault("api.request")
        String defaultType();

        /** How long a recording check waits for Kafka's acknowledgement before answering 503. */
        @WithDefault("3s")
        Duration ackTimeout();

        /** How long a recorded request id is remembered, so a retried check is not counted twice. */
        @WithDefault("10m")
        Duration dedupWindow();
    }

    interface Alerts {
        @WithDefault("billing.alerts")
        String topic();

        /** An alert still pending this long (no Kafka acknowledgement: the sender died or Kafka refused it) is re-sent. */
        @WithDefault("30s")
        java.time.Duration resendAfter();

        /** How often every replica looks for such alerts (read by AlertSweeper's schedule). */
        @WithDefault("10s")
        java.time.Duration sweepEvery();
    }

    interface View {
        @WithDefault("keys.events")
        String keysTopic();

        @WithDefault("subscriptions.events")
        String subscriptionsTopic();

        @WithDefault("billing.catalog")
        String catalogTopic();

        @WithDefault("apimon.dead-letter")
        String deadLetterTopic();
    }
}
