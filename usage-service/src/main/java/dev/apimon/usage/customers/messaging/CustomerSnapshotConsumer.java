package dev.apimon.usage.customers.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.db.Transactions;
import dev.apimon.usage.config.UsageConfig;
import dev.apimon.usage.customers.store.CustomerStore;
import dev.apimon.usage.kafka.ConsumerLoop;
import dev.apimon.usage.kafka.DeadLetter;
import dev.apimon.usage.kafka.DeadLetters;
import dev.apimon.usage.kafka.KafkaSettings;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Learns customers from the compacted {@code customers.events} topic (snapshots: the latest record per key is
 * the customer). Upserts keep the newest snapshot, so redeliveries and replays change nothing.
 */
@Singleton
public class CustomerSnapshotConsumer {
    private final AgroalDataSource db;
    private final CustomerStore store;
    private final ObjectMapper json;
    private final ConsumerLoop loop;

    public CustomerSnapshotConsumer(AgroalDataSource db, CustomerStore store, ObjectMapper json, KafkaSettings kafka,
                                    DeadLetters deadLetters, UsageConfig config) {
        this.db = db;
        this.store = store;
        this.json = json;
        this.loop = new ConsumerLoop("customers-consumer",
                kafka.consumer("usage-service-customers", "usage-service-customers", 500),
                config.topics().customers(), this::apply, deadLetters);
    }

    void onStart(@Observes StartupEvent ev) {
        loop.start();
    }

    void onStop(@Observes ShutdownEvent ev) {
        loop.stop();
    }

    public ConsumerLoop loop() {
        return loop;
    }

    private List<DeadLetter> apply(List<ConsumerRecord<String, byte[]>> records) throws Exception {
        List<DeadLetter> dead = new ArrayList<>();
        record Snapshot(String id, String externalId, String status, Instant updatedAt) {
        }
        List<Snapshot> snapshots = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (r.value() == null) {
                continue; // a tombstone: customers are archived, never erased here (their usage stays billable)
            }
            JsonNode c;
            try {
                c = json.readTree(r.value());
            } catch (Exception e) {
                dead.add(new DeadLetter(r, "customer snapshot is not JSON: " + e.getMessage()));
                continue;
            }
            JsonNode id = c == null ? null : c.get("id");
            if (id == null || !id.isTextual() || id.asText().isBlank()) {
                dead.add(new DeadLetter(r, "customer snapshot has no id"));
                continue;
            }
            JsonNode ext = c.get("external_id");
            JsonNode status = c.get("status");
            Instant updated = Instant.ofEpochMilli(r.timestamp());
            JsonNode u = c.get("updated_at");
            if (u != null && u.isTextual()) {
                try {
                    updated = OffsetDateTime.parse(u.asText()).toInstant();
                } catch (RuntimeException e) {
                    dead.add(new DeadLetter(r, "customer snapshot has an unreadable updated_at"));
                    continue;
                }
            }
            snapshots.add(new Snapshot(id.asText(), ext == null || ext.isNull() ? null : ext.asText(),
                    status == null || status.isNull() ? "active" : status.asText(), updated));
        }
        Transactions.run(db, c -> {
            for (Snapshot s : snapshots) {
                store.upsert(c, s.id(), s.externalId(), s.status(), s.updatedAt());
            }
        });
        return dead;
    }
}
