package dev.apimon.usage.meters.domain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.usage.meters.store.MeterStore;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** Meter definitions: create (idempotent for an identical definition), change, read. */
@Singleton
public class MeterService {
    private final AgroalDataSource db;
    private final MeterStore store;
    private final MeterCatalog catalog;
    private final Clock clock;

    public MeterService(AgroalDataSource db, MeterStore store, MeterCatalog catalog, Clock clock) {
        this.db = db;
        this.store = store;
        this.catalog = catalog;
        this.clock = clock;
    }

    /** The stored meter and whether this call created it (false: an identical meter already existed). */
    public record Saved(Meter meter, boolean created) {
    }

    public Saved create(String slug, String eventType, String aggregation, String valueProperty,
                        Map<String, String> groupBy, JsonNode filter) throws SQLException {
        Meter m = valid(slug, eventType, aggregation, valueProperty, groupBy, filter, clock.instant());
        AtomicReference<Saved> out = new AtomicReference<>();
        Transactions.run(db, c -> {
            // waits for aggregator batches in flight: the raw log position the meter records is then exact (later
            // batches see the meter, earlier ones did not)
            store.lockDefinitions(c);
            if (store.insert(c, m)) {
                out.set(new Saved(store.find(c, slug, false).orElseThrow(), true));
                return;
            }
            Meter existing = store.find(c, slug, false).orElseThrow();
            if (!existing.sameDefinition(m)) {
                throw ProblemException.conflict("METER_EXISTS", "meter '" + slug
                        + "' already exists with another definition; change it with PUT /v1/meters/" + slug);
            }
            out.set(new Saved(existing, false));
        });
        catalog.invalidate();
        return out.get();
    }

    /** Replaces a meter's definition; its aggregation cannot change once it has data. */
    public Meter update(String slug, String eventType, String aggregation, String valueProperty,
                        Map<String, String> groupBy, JsonNode filter) throws SQLException {
        Instant now = clock.instant();
        Meter wanted = valid(slug, eventType, aggregation, valueProperty, groupBy, filter, now);
        AtomicReference<Meter> out = new AtomicReference<>();
        AtomicBoolean missing = new AtomicBoolean();
        Transactions.run(db, c -> {
            // waits for aggregator batches that use the old definition, so "has data" below is final
            store.lockDefinitions(c);
            Optional<Meter> existing = store.find(c, slug, true);
            if (existing.isEmpty()) {
                missing.set(true);
                return;
            }
            Meter old = existing.get();
            if (old.aggregation() != wanted.aggregation() && store.hasData(c, slug)) {
                throw ProblemException.conflict("METER_HAS_DATA", "meter '" + slug + "' has data: its aggregation stays "
                        + old.aggregation().wire() + " (create a new meter for " + wanted.aggregation().wire() + ")");
            }
            Meter updated = new Meter(slug, wanted.eventType(), wanted.aggregation(), wanted.valueProperty(),
                    wanted.groupBy(), wanted.filterJson(), wanted.filter(), old.createdAt(), now, old.createdSeq());
            store.update(c, updated);
            out.set(updated);
        });
        if (missing.get()) {
            throw ProblemException.notFound("meter", slug);
        }
        catalog.invalidate();
        return out.get();
    }

    public Optional<Meter> find(String slug) throws SQLException {
        try (Connection c = db.getConnection()) {
            return store.find(c, slug, false);
        }
    }

    public List<Meter> page(String afterSlug, int limit) throws SQLException {
        try (Connection c = db.getConnection()) {
            return store.page(c, afterSlug, limit);
        }
    }

    private static Meter valid(String slug, String eventType, String aggregation, String valueProperty,
                               Map<String, String> groupBy, JsonNode filter, Instant now) {
        try {
            return MeterDefinitions.validateNew(slug, eventType, aggregation, valueProperty, groupBy, filter, now);
        } catch (MeterDefinitions.InvalidMeter e) {
            throw ProblemException.invalid(e.violations().stream().map(v -> new FieldError(v.field(), v.message())).toList());
        }
    }
}
