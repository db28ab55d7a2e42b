package dev.apimon.usage.aggregation.domain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.usage.aggregation.store.BucketStore;
import dev.apimon.usage.config.UsageConfig;
import dev.apimon.usage.events.domain.CorrectionRules;
import dev.apimon.usage.events.store.EventLogStore;
import dev.apimon.usage.ingest.domain.EventKey;
import dev.apimon.usage.meters.domain.Aggregation;
import dev.apimon.usage.meters.domain.Meter;
import dev.apimon.usage.meters.domain.MeterCatalog;
import dev.apimon.usage.meters.domain.MeterReading;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Applies a batch of usage events to the hourly buckets inside the caller's transaction, with an exactly-once
 * effect: an event changes buckets only in the transaction that appended it to the raw log, and the raw log's
 * primary key is its identity, so redeliveries, replays and second copies change nothing.
 * <p>
 * Corrections never touch the original event: they are appended, and every bucket of the original's hour for
 * the original's meters is recomputed from the log with each event's latest correction in effect.
 * <p>
 * A meter counts the events appended to the raw log after its creation (no backfill): batches that started before
 * it do not know it, later ones do, and a recompute counts by the same rule ({@link Meter#counts}).
 */
@Singleton
public class AggregationService {
    private final EventLogStore log;
    private final BucketStore buckets;
    private final ObjectMapper json;
    private final Clock clock;
    private final CorrectionRules rules;

    private final Timer appendTimer;
    private final Timer bucketsTimer;

    public AggregationService(EventLogStore log, BucketStore buckets, ObjectMapper json, Clock clock,
                              MeterRegistry metrics, UsageConfig config) {
        this.log = log;
        this.buckets = buckets;
        this.rules = new CorrectionRules(config.rawLog().retention(), config.ingest().maxFutureSkew());
        this.json = json;
        this.clock = clock;
        this.appendTimer = phase(metrics, "append");
        this.bucketsTimer = phase(metrics, "buckets");
    }

    public static Timer phase(MeterRegistry metrics, String phase) {
        return Timer.builder("usage.aggregator.phase").description("Time per aggregator batch phase")
                .tag("phase", phase).register(metrics);
    }

    /** What a batch did: buckets whose value changed, and events to dead-letter (with why). */
    public record Outcome(List<BucketChange> changes, Map<Integer, String> deadLetters) {
    }

    private record HourKey(String customerId, String env, String type, Instant hour) {
    }

    public Outcome apply(Connection c, List<LogEvent> events, List<Meter> meters) throws SQLException {
        Map<String, List<Meter>> byType = MeterCatalog.index(meters);
        long t0 = System.nanoTime();
        Map<EventKey, Long> appended = log.append(c, events);
        long t1 = System.nanoTime();
        appendTimer.record(t1 - t0, TimeUnit.NANOSECONDS);
        Map<Integer, String> dead = new HashMap<>();
        Map<BucketKey, BucketDelta> deltas = new TreeMap<>();
        Set<HourKey> recompute = new LinkedHashSet<>();
        Set<EventKey> applied = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            LogEvent e = events.get(i);
            Long seq = appended.get(e.key());
            if (seq == null || !applied.add(e.key())) {
                continue; // already in the log: applied before (or a second copy in this batch)
            }
            if (e.corrects() != null) {
                String problem = correctionTarget(c, e, recompute, byType);
                if (problem != null) {
                    dead.put(i, problem);
                }
                continue;
            }
            Instant hour = e.time().truncatedTo(ChronoUnit.HOURS);
            List<String> problems = new ArrayList<>();
            for (Meter m : byType.getOrDefault(e.type(), List.of())) {
                MeterReading r = MeterReading.of(m, e.type(), e.data());
                if (r instanceof MeterReading.Contribution contribution) {
                    BucketKey k = new BucketKey(e.customerId(), m.slug(), e.env(), hour, GroupKey.of(contribution.group()));
                    deltas.computeIfAbsent(k, x -> new BucketDelta(m.aggregation(), contribution.group()))
                            .add(contribution.number(), contribution.distinct(), e.time(), seq);
                } else if (r instanceof MeterReading.Invalid invalid) {
                    problems.add(invalid.reason());
                }
            }
            if (!problems.isEmpty()) {
                dead.put(i, "not counted by " + String.join("; ", problems) + " (the event is in the raw log; other meters counted it)");
            }
        }
        Map<BucketKey, BucketChange> changes = new LinkedHashMap<>();
        applyDeltas(c, deltas, changes);
        for (HourKey h : recompute) {
            recomputeHour(c, h, byType.getOrDefault(h.type(), List.of()), changes);
        }
        bucketsTimer.record(System.nanoTime() - t1, TimeUnit.NANOSECONDS);
        return new Outcome(List.copyOf(changes.values()), dead);
    }

    /**
     * Finds the corrected original and schedules its hour for recomputation; returns a problem to dead-letter, or
     * null. Replacement data a meter cannot measure counts as void for that meter (and is reported).
     */
    private String correctionTarget(Connection c, LogEvent correction, Set<HourKey> recompute, Map<String, List<Meter>> byType)
            throws SQLException {
        var original = log.find(c, correction.corrects());
        if (original.isEmpty()) {
            return "the corrected event (source '" + correction.corrects().source() + "', id '" + correction.corrects().id()
                    + "') is not in the raw log";
        }
        var o = original.get();
        String problem = rules.originalProblem(o.correctsId() != null, o.time(), clock.instant());
        if (problem != null) {
            return problem;
        }
        recompute.add(new HourKey(o.customerId(), o.env(), o.type(), o.time().truncatedTo(ChronoUnit.HOURS)));
        JsonNode replacement = correction.data().get("data");
        if (replacement == null) {
            return null; // a void
        }
        List<String> problems = CorrectionRules.replacementProblems(byType.getOrDefault(o.type(), List.of()), o.type(), o.seq(), replacement,
                CorrectionRules.Bounds.STORABLE);
        return problems.isEmpty() ? null : "the replacement data is void for " + String.join("; ", problems)
                + " (the correction is in the raw log and applies to the other meters)";
    }

    private void applyDeltas(Connection c, Map<BucketKey, BucketDelta> deltas, Map<BucketKey, BucketChange> changes) throws SQLException {
        if (deltas.isEmpty()) {
            return;
        }
        List<BucketKey> keys = new ArrayList<>(deltas.keySet()); // sorted: rows are locked in one order
        Map<BucketKey, BucketStore.Stored> existing = buckets.read(c, keys);
        Map<BucketKey, Set<String>> distinct = new HashMap<>();
        deltas.forEach((k, d) -> {
            if (d.aggregation() == Aggregation.UNIQUE_COUNT) {
                distinct.put(k, d.distinct());
            }
        });
        Map<BucketKey, Long> newDistinct = buckets.addDistinct(c, distinct);
        List<BucketStore.Write> inserts = new ArrayList<>();
        List<BucketStore.Write> updates = new ArrayList<>();
        for (BucketKey k : keys) {
            BucketDelta d = deltas.get(k);
            BucketStore.Stored stored = existing.get(k);
            BucketState old = stored == null ? null : stored.state();
            BucketState now = BucketMath.apply(old, d, newDistinct.getOrDefault(k, 0L));
            if (old == null) {
                inserts.add(new BucketStore.Write(k, now));
            } else {
                updates.add(new BucketStore.Write(k, now, stored.revision()));
            }
            if (BucketMath.valueChanged(old, now)) {
                changes.put(k, new BucketChange(k, d.aggregation(), now));
            }
        }
        Instant at = clock.instant();
        buckets.insert(c, inserts, at);
        buckets.update(c, updates, at);
    }

    private void recomputeHour(Connection c, HourKey h, List<Meter> meters, Map<BucketKey, BucketChange> changes) throws SQLException {
        if (meters.isEmpty()) {
            return;
        }
        // lock the hour's buckets before reading the log: a writer that committed an event of this hour before the
        // lock is then in the read, and one that commits after it must wait for the lock and fails its revision check
        // (read the other way round, a zombie consumer's event committed in between was in the buckets but not in
        // the recompute, and was lost)
        Map<String, Map<BucketKey, BucketStore.Stored>> locked = new HashMap<>();
        for (Meter m : meters) {
            locked.put(m.slug(), buckets.lockHour(c, h.customerId(), m.slug(), h.env(), h.hour()));
        }
        List<EventLogStore.Effective> events = log.effective(c, h.customerId(), h.env(), h.type(), h.hour(), h.hour().plus(1, ChronoUnit.HOURS));
        List<JsonNode> data = new ArrayList<>(events.size());
        for (EventLogStore.Effective e : events) {
            data.add(effectiveData(e));
        }
        Instant at = clock.instant();
        for (Meter m : meters) {
            Map<String, List<BucketMath.Contribution>> byGroup = new TreeMap<>();
            for (int i = 0; i < events.size(); i++) {
                if (data.get(i) == null || !m.counts(events.get(i).seq())) {
                    continue; // voided, or logged before the meter existed
                }
                if (MeterReading.of(m, h.type(), data.get(i)) instanceof MeterReading.Contribution r) {
                    byGroup.computeIfAbsent(GroupKey.of(r.group()), g -> new ArrayList<>())
                            .add(new BucketMath.Contribution(r.number(), r.distinct(), events.get(i).time(), events.get(i).seq()));
                }
            }
            Map<BucketKey, BucketStore.Stored> existing = locked.get(m.slug());
            Set<String> groups = new TreeSet<>(byGroup.keySet());
            existing.keySet().forEach(k -> groups.add(k.groupKey()));
            List<BucketStore.Write> inserts = new ArrayList<>();
            List<BucketStore.Write> updates = new ArrayList<>();
            for (String g : groups) {
                BucketKey k = new BucketKey(h.customerId(), m.slug(), h.env(), h.hour(), g);
                List<BucketMath.Contribution> contributions = byGroup.getOrDefault(g, List.of());
                BucketStore.Stored stored = existing.get(k);
                BucketState old = stored == null ? null : stored.state();
                BucketState now = BucketMath.recompute(m.aggregation(), old, contributions);
                if (m.aggregation() == Aggregation.UNIQUE_COUNT) {
                    // before the "unchanged" test: a replacement can swap one distinct value for another and leave
                    // the hour's count as it was, while days and months count the hours' values together
                    Set<String> values = new HashSet<>();
                    contributions.forEach(x -> values.add(x.distinct()));
                    buckets.replaceDistinct(c, k, values);
                }
                if (old != null && old.equals(now)) {
                    continue;
                }
                if (old == null) {
                    inserts.add(new BucketStore.Write(k, now));
                } else {
                    updates.add(new BucketStore.Write(k, now, stored.revision()));
                }
                if (BucketMath.valueChanged(old, now)) {
                    changes.put(k, new BucketChange(k, m.aggregation(), now));
                }
            }
            buckets.insert(c, inserts, at);
            buckets.update(c, updates, at);
        }
    }

    /** The data in effect for an event: its latest correction's replacement, null if voided. */
    private JsonNode effectiveData(EventLogStore.Effective e) throws SQLException {
        try {
            if (e.latestCorrection() == null) {
                return json.readTree(e.originalData());
            }
            JsonNode correction = json.readTree(e.latestCorrection());
            return "void".equals(correction.path("action").asText()) ? null : correction.get("data");
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("raw log row " + e.seq() + " holds unreadable JSON", ex);
        }
    }
}
