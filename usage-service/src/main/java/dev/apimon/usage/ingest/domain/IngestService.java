package dev.apimon.usage.ingest.domain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.json.StorableText;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.usage.config.UsageConfig;
import dev.apimon.usage.customers.domain.CustomerDirectory;
import dev.apimon.usage.events.domain.CorrectionRules;
import dev.apimon.usage.events.store.EventLogStore;
import dev.apimon.usage.ingest.messaging.LogUnavailableException;
import dev.apimon.usage.ingest.messaging.UsageEventPublisher;
import dev.apimon.usage.ingest.store.DedupLedger;
import dev.apimon.usage.ingest.store.IdempotencyStore;
import dev.apimon.usage.meters.domain.Meter;
import dev.apimon.usage.meters.domain.MeterCatalog;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Ingest: validate every item, claim the new (customer, source, id) keys in the ledger, publish exactly the
 * claimed events in one Kafka transaction, and commit the claims only after Kafka committed. Consequences:
 * <ul>
 *   <li>Kafka fails: the claims roll back, the answer is 503 and a retry is accepted in full — never lost.</li>
 *   <li>The claim commit fails after Kafka committed: the events are durable and will be aggregated, so the
 *       answer is still 202; a retry finds no claim and publishes them again, and the aggregator's raw-log
 *       key (same identity) drops the second copy — never counted twice.</li>
 * </ul>
 */
@Singleton
public class IngestService {
    private static final Logger LOG = Logger.getLogger(IngestService.class);

    private final AgroalDataSource db;
    private final ObjectMapper json;
    private final CustomerDirectory customers;
    private final MeterCatalog meters;
    private final DedupLedger ledger;
    private final IdempotencyStore idempotency;
    private final UsageEventPublisher publisher;
    private final Clock clock;
    private final UsageConfig.Ingest config;
    private final Duration window;
    private final EventLogStore log;
    private final CorrectionRules correctionRules;
    private final Timer validateTimer;
    private final Timer ledgerTimer;
    private final Timer publishTimer;
    private final Timer commitTimer;
    private final Counter acceptedCounter;
    private final Counter duplicateCounter;
    private final Counter rejectedCounter;

    public IngestService(AgroalDataSource db, ObjectMapper json, CustomerDirectory customers, MeterCatalog meters,
                         DedupLedger ledger, IdempotencyStore idempotency, UsageEventPublisher publisher, Clock clock,
                         UsageConfig config, MeterRegistry metrics, EventLogStore log) {
        this.db = db;
        this.json = json;
        this.customers = customers;
        this.meters = meters;
        this.ledger = ledger;
        this.idempotency = idempotency;
        this.publisher = publisher;
        this.clock = clock;
        this.config = config.ingest();
        this.window = config.dedup().window();
        this.log = log;
        this.correctionRules = new CorrectionRules(config.rawLog().retention(), config.ingest().maxFutureSkew());
        this.validateTimer = phase(metrics, "validate");
        this.ledgerTimer = phase(metrics, "ledger");
        this.publishTimer = phase(metrics, "publish");
        this.commitTimer = phase(metrics, "commit");
        this.acceptedCounter = events(metrics, "accepted");
        this.duplicateCounter = events(metrics, "duplicate");
        this.rejectedCounter = events(metrics, "rejected");
    }

    private static Timer phase(MeterRegistry metrics, String phase) {
        return Timer.builder("usage.ingest.phase").description("Time per ingest request phase").tag("phase", phase)
                .publishPercentiles(0.5, 0.99).register(metrics);
    }

    private static Counter events(MeterRegistry metrics, String outcome) {
        return Counter.builder("usage.ingest.events").description("Ingested events by outcome").tag("outcome", outcome).register(metrics);
    }

    /** An ingest answer; {@code body} is the JSON (for a repeated Idempotency-Key, the first answer's JSON). */
    public record Answer(String body) {
    }

    public Answer ingest(byte[] body, String principal, String idempotencyKey) throws SQLException, LogUnavailableException {
        String hash = idempotencyKey == null ? null : sha256(body);
        if (idempotencyKey != null) {
            // a repeat answers as the first request did, before validation: what validation depends on (customers,
            // meters, the clock) may have changed since, and a repeat must not turn a 202 into a 400
            Optional<Answer> first = firstAnswer(principal, idempotencyKey, hash);
            if (first.isPresent()) {
                return first.get();
            }
        }
        CloudEventReader.Body parsed;
        try {
            parsed = CloudEventReader.read(json.getFactory(), body, config.maxBatch());
        } catch (JsonProcessingException e) {
            throw ProblemException.invalid("body", "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ProblemException.invalid("body", "unreadable body");
        }
        if (parsed == null) {
            throw ProblemException.invalid("body", "send one CloudEvent (a JSON object) or a batch (a JSON array)");
        }
        List<CloudEventEnvelope> items = parsed.events();
        if (items.isEmpty()) {
            throw ProblemException.invalid("body", "the batch is empty");
        }
        if (items.size() > config.maxBatch()) {
            throw ProblemException.invalid("body", "a batch holds at most " + config.maxBatch() + " events");
        }

        long t0 = System.nanoTime();
        List<Rejection> rejected = new ArrayList<>();
        List<UsageEvent> valid = validate(items, rejected);
        valid = checkCorrections(valid, rejected);
        rejected.sort(Comparator.comparingInt(Rejection::index));
        validateTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        rejectedCounter.increment(rejected.size());
        if (valid.isEmpty()) {
            throw ProblemException.invalid(rejected.stream()
                    .map(r -> new FieldError("events[" + r.index() + "]", r.error(), r.index())).toList());
        }
        return publish(DedupPlan.of(valid), rejected, principal, idempotencyKey, hash);
    }

    private List<UsageEvent> validate(List<CloudEventEnvelope> items, List<Rejection> rejected) throws SQLException {
        Set<String> subjects = new HashSet<>();
        for (CloudEventEnvelope item : items) {
            if (item.subject() != null && StorableText.problem(item.subject()) == null) { // refused by the validator
                subjects.add(item.subject());
            }
        }
        Map<String, String> known = customers.resolve(subjects);
        Map<String, List<Meter>> byType = meters.byType();
        Instant now = clock.instant();
        int maxBytes = config.maxDataBytes();
        EventValidator.Context ctx = new EventValidator.Context() {
            @Override
            public Instant now() {
                return now;
            }

            @Override
            public Duration maxAge() {
                return window;
            }

            @Override
            public Duration maxFutureSkew() {
                return config.maxFutureSkew();
            }

            @Override
            public Optional<String> customer(String subject) {
                return Optional.ofNullable(known.get(subject));
            }

            @Override
            public List<Meter> metersFor(String eventType) {
                return byType.getOrDefault(eventType, List.of());
            }

            @Override
            public JsonNode parse(byte[] data) {
                try {
                    return json.readTree(data);
                } catch (IOException e) {
                    throw new IllegalArgumentException("data is not JSON", e); // cannot happen: the reader parsed it
                }
            }
        };
        List<UsageEvent> valid = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            CloudEventEnvelope item = items.get(i);
            if (item.data() != null && item.data().length > maxBytes) {
                rejected.add(new Rejection(i, item.id(), "data is larger than " + maxBytes + " bytes"));
                continue;
            }
            EventValidator.Outcome o = EventValidator.validate(item, i, ctx);
            if (o instanceof EventValidator.Valid v) {
                valid.add(v.event());
            } else {
                rejected.add(((EventValidator.Invalid) o).rejection());
            }
        }
        return valid;
    }

    /** A correction must name an event that was accepted before (or earlier in this request). */
    private List<UsageEvent> checkCorrections(List<UsageEvent> valid, List<Rejection> rejected) throws SQLException {
        if (valid.stream().noneMatch(UsageEvent::isCorrection)) {
            return valid;
        }
        Set<EventKey> wanted = new HashSet<>();
        for (UsageEvent e : valid) {
            if (e.isCorrection()) {
                wanted.add(e.corrects()); // also when earlier in this request: it may be a resend of a logged event
            }
        }
        Set<EventKey> known;
        Map<EventKey, EventLogStore.Row> logged = new HashMap<>();
        try (Connection c = db.getConnection()) {
            known = ledger.known(c, wanted);
            for (EventKey k : known) { // an original still on its way to the log is checked by the aggregator alone
                log.find(c, k).ifPresent(row -> logged.put(k, row));
            }
        }
        Map<String, List<Meter>> byType = logged.isEmpty() ? Map.of() : meters.byType();
        Instant now = clock.instant();
        List<UsageEvent> out = new ArrayList<>(valid.size());
        Map<EventKey, UsageEvent> earlier = new HashMap<>(); // accepted so far in this request
        for (UsageEvent e : valid) {
            if (e.isCorrection()) {
                UsageEvent inRequest = earlier.get(e.corrects());
                String problem;
                if (logged.containsKey(e.corrects())) {
                    problem = correctionProblem(e, logged.get(e.corrects()), byType, now);
                } else if (inRequest != null) {
                    problem = inRequest.isCorrection() ? CorrectionRules.CORRECTION_OF_A_CORRECTION : null;
                } else {
                    problem = known.contains(e.corrects()) ? null : "the corrected event (source '" + e.corrects().source()
                            + "', id '" + e.corrects().id() + "') is unknown for this customer";
                }
                if (problem != null) {
                    rejected.add(new Rejection(e.index(), e.id(), problem));
                    continue;
                }
            }
            earlier.putIfAbsent(e.key(), e);
            out.add(e);
        }
        return out;
    }

    /** The aggregator's rules, applied up front when the original is in the log: refused now rather than dead-lettered after a 202. */
    private String correctionProblem(UsageEvent correction, EventLogStore.Row original, Map<String, List<Meter>> byType, Instant now) {
        String problem = correctionRules.originalProblem(original.correctsId() != null, original.time(), now);
        if (problem != null) {
            return problem;
        }
        JsonNode replacement;
        try {
            replacement = json.readTree(correction.payload()).get("data");
        } catch (IOException e) {
            throw new IllegalStateException("a validated correction is JSON", e);
        }
        if (replacement == null) {
            return null; // a void
        }
        List<String> problems = CorrectionRules.replacementProblems(byType.getOrDefault(original.type(), List.of()),
                original.type(), original.seq(), replacement, CorrectionRules.Bounds.INGEST);
        return problems.isEmpty() ? null : "the replacement data cannot be measured: " + String.join("; ", problems);
    }

    private Optional<Answer> firstAnswer(String principal, String idempotencyKey, String hash) throws SQLException {
        Optional<IdempotencyStore.Stored> first;
        try (Connection c = db.getConnection()) {
            first = idempotency.find(c, principal, idempotencyKey);
        }
        return first.map(f -> repeatOf(f, hash));
    }

    private static Answer repeatOf(IdempotencyStore.Stored first, String hash) {
        if (!first.requestHash().equals(hash)) {
            throw new ProblemException(422, "IDEMPOTENCY_KEY_REUSED", "Idempotency key reused",
                    "this Idempotency-Key was used with a different request body", List.of());
        }
        return new Answer(first.response());
    }

    private Answer publish(DedupPlan plan, List<Rejection> rejected, String principal,
                           String idempotencyKey, String hash) throws SQLException, LogUnavailableException {
        Instant now = clock.instant();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            ledger.relaxDurability(c);
            List<UsageEvent> toPublish;
            String answer;
            int duplicates;
            try {
                if (idempotencyKey != null) {
                    Optional<IdempotencyStore.Stored> first = idempotency.reserve(c, principal, idempotencyKey, hash, now);
                    if (first.isPresent()) { // a concurrent first request committed after the lookup above
                        c.rollback();
                        return repeatOf(first.get(), hash);
                    }
                }
                long t0 = System.nanoTime();
                Set<EventKey> claimed = ledger.claim(c, plan.candidates().stream().map(UsageEvent::key).toList(), now);
                ledgerTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                toPublish = plan.toPublish(claimed);
                duplicates = plan.duplicates(claimed);
                answer = write(new IngestResult(toPublish.size(), duplicates, rejected));
                if (idempotencyKey != null) {
                    idempotency.complete(c, principal, idempotencyKey, answer);
                }
                if (!toPublish.isEmpty()) {
                    long t1 = System.nanoTime();
                    publisher.publish(toPublish);
                    publishTimer.record(System.nanoTime() - t1, TimeUnit.NANOSECONDS);
                }
            } catch (SQLException | LogUnavailableException | RuntimeException e) {
                safeRollback(c);
                throw e;
            }
            long t2 = System.nanoTime();
            try {
                c.commit();
                commitTimer.record(System.nanoTime() - t2, TimeUnit.NANOSECONDS);
            } catch (SQLException e) {
                if (toPublish.isEmpty()) {
                    throw e;
                }
                // the events are durable in Kafka and the aggregator deduplicates by identity: they are accepted
                LOG.warnf("ledger commit failed after Kafka committed %d events (a retry publishes them again and the "
                        + "aggregator drops the second copy): %s", toPublish.size(), e.getMessage());
            }
            acceptedCounter.increment(toPublish.size());
            duplicateCounter.increment(duplicates);
            return new Answer(answer);
        }
    }

    private String write(IngestResult r) {
        try {
            return json.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void safeRollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; closing it discards the transaction
        }
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
