package dev.apimon.platform.db;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

/**
 * Applies the service's Flyway migrations at start. If PostgreSQL is unreachable the service still starts
 * (no crash loop): it retries in the background and reports readiness DOWN with the reason until the schema
 * is current.
 */
@Readiness
@Singleton
public class MigrationGate implements HealthCheck {
    private static final Logger LOG = Logger.getLogger(MigrationGate.class);

    private final Flyway flyway;
    private final Duration retryEvery;
    private final AtomicReference<String> failure = new AtomicReference<>("not yet attempted");
    private volatile boolean migrated;
    private ScheduledExecutorService retries;

    public MigrationGate(Flyway flyway,
                         @ConfigProperty(name = "apimon.db.migration-retry", defaultValue = "PT5S") Duration retryEvery) {
        this.flyway = flyway;
        this.retryEvery = retryEvery;
    }

    void onStart(@Observes StartupEvent ev) {
        if (!attempt()) {
            retries = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "flyway-retry");
                t.setDaemon(true);
                return t;
            });
            retries.scheduleWithFixedDelay(() -> {
                if (attempt()) {
                    retries.shutdown();
                }
            }, retryEvery.toMillis(), retryEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (retries != null) {
            retries.shutdownNow();
        }
    }

    private synchronized boolean attempt() {
        if (migrated) {
            return true;
        }
        try {
            var result = flyway.migrate();
            migrated = true;
            failure.set(null);
            LOG.infof("database schema is current (%d migrations applied now)", result.migrationsExecuted);
            return true;
        } catch (RuntimeException e) {
            String reason = rootMessage(e);
            if (!reason.equals(failure.getAndSet(reason))) {
                LOG.warnf("database migrations not applied yet, retrying every %s: %s", retryEvery, reason);
            }
            return false;
        }
    }

    /** True once the schema is current; stores can refuse work before that. */
    public boolean isMigrated() {
        return migrated;
    }

    @Override
    public HealthCheckResponse call() {
        if (migrated) {
            return HealthCheckResponse.named("Database migrations").up().build();
        }
        return HealthCheckResponse.named("Database migrations").down().withData("reason", failure.get()).build();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
