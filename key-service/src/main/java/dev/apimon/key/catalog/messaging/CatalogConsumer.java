package dev.apimon.key.catalog.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.key.catalog.domain.CatalogPlan;
import dev.apimon.key.catalog.store.CatalogStore;
import dev.apimon.key.messaging.CloudEventIds;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.db.messaging.RetryInPlace;
import io.agroal.api.AgroalDataSource;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Consumes the compacted {@code billing.catalog} topic into catalog_plans. Each record is a whole plan-version
 * snapshot, so the upsert is naturally idempotent: replays, redeliveries and a retry after a commit whose answer was
 * lost leave the table unchanged. Poison records are nacked and go to {@code apimon.dead-letter} (connector
 * failure-strategy {@code dead-letter-poison}), the consumer carries on. A database failure is retried in place
 * ({@link RetryInPlace}) for as long as it lasts: a good plan version is never dead-lettered for it.
 */
@Singleton
public class CatalogConsumer {
    private static final Logger LOG = Logger.getLogger(CatalogConsumer.class);
    private final AgroalDataSource db;
    private final CatalogStore store;
    private final ObjectMapper json;
    private final Clock clock;
    private final RetryInPlace retry;

    public CatalogConsumer(AgroalDataSource db, CatalogStore store, ObjectMapper json, Clock clock, RetryInPlace retry) {
        this.db = db;
        this.store = store;
        this.json = json;
        this.clock = clock;
        this.retry = retry;
    }

    @Incoming("billing-catalog")
    @Blocking(ordered = true)
    public CompletionStage<Void> onPlan(Message<String> msg) {
        CloudEventIds.Attributes ce = CloudEventIds.of(msg);
        try {
            if (msg.getPayload() == null) {
                return msg.ack(); // a tombstone: plan versions are never deleted here (subscriptions keep referencing them)
            }
            CatalogPlan plan = CatalogDocuments.parse(json, ce.key(), msg.getPayload());
            retry.run("billing.catalog " + plan.ref(),
                    () -> Transactions.run(db, c -> store.upsert(c, plan, msg.getPayload(), ce.id(), clock.instant())));
            LOG.debugf("catalog: %s is %s", plan.ref(), plan.status());
            return msg.ack();
        } catch (Exception e) {
            LOG.warnf("billing.catalog record %s (offset %d) rejected: %s", ce.key(), ce.offset(), e.getMessage());
            return msg.nack(e);
        }
    }
}
