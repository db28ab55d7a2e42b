package dev.apimon.quota.view.api;

import dev.apimon.quota.view.domain.QuotaView;
import dev.apimon.quota.view.messaging.ViewConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: DOWN until the view of keys/subscriptions/plans is rebuilt; a check answered earlier could be wrong. */
public class ViewHealth {

    @Readiness
    @ApplicationScoped
    public static class Loaded implements HealthCheck {
        private final ViewConsumer consumer;
        private final QuotaView view;

        public Loaded(ViewConsumer consumer, QuotaView view) {
            this.consumer = consumer;
            this.view = view;
        }

        @Override
        public HealthCheckResponse call() {
            QuotaView.Stats s = view.stats();
            HealthCheckResponseBuilder b = HealthCheckResponse.named("quota view").status(consumer.loaded())
                    .withData("status", consumer.status())
                    .withData("keys", s.keys()).withData("subscriptions", s.subscriptions()).withData("plans", s.plans());
            if (!consumer.loaded()) {
                b.withData("reason", "view not loaded yet: " + consumer.status());
            }
            return b.build();
        }
    }

    /** The consumer thread keeps the view current; if it died the pod must be restarted. */
    @Liveness
    @ApplicationScoped
    public static class ConsumerAlive implements HealthCheck {
        private final ViewConsumer consumer;

        public ConsumerAlive(ViewConsumer consumer) {
            this.consumer = consumer;
        }

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("quota view consumer").status(consumer.alive()).build();
        }
    }
}
