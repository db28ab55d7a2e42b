package dev.apimon.usage.aggregation.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.outbox.Outbox;
import dev.apimon.usage.aggregation.domain.AggregationService;
import dev.apimon.usage.aggregation.domain.BucketChange;
import dev.apimon.usage.aggregation.domain.LogEvent;
import dev.apimon.usage.aggregation.store.AggregateOutbox;
import dev.apimon.usage.config.UsageConfig;
import dev.apimon.usage.ingest.domain.EventKey;
import dev.apimon.usage.ingest.domain.EventValidator;
import dev.apimon.usage.kafka.ConsumerLoop;
import dev.apimon.usage.kafka.DeadLetter;
import dev.apimon.usage.kafka.DeadLetters;
import dev.apimon.usage.kafka.KafkaSettings;
import dev.apimon.usage.meters.store.MeterStore;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The aggregator: consumes {@code usage.events} (read_committed), and per poll appends the events to the raw
 * log, updates the hourly buckets and writes one {@code usage.aggregates} delta per changed bucket to the outbox
 * — all in one PostgreSQL transaction — before committing the offsets. A crash anywhere repeats the batch, and
 * the raw log's key makes the repeat a no-op. Records that cannot be events go to the dead-letter topic.
 */
@Singleton
public class UsageEventsConsumer {
    private final AgroalDataSource db;
    private final AggregationService aggregation;
    private final DeadLetters deadLetters;
    private final MeterStore meters;
    private final Outbox outbox;
    private final AggregateOutbox aggregateOutbox;
    private final ObjectMapper json;
    private final Clock clock;
    private final UsageConfig config;
    private final List<ConsumerLoop> loops = new ArrayList<>();
    private final Duration replaySafeAge;
    private final Timer batchTimer;
    private final Counter appliedCounter;
    private final Counter deadCounter;
    private final Timer parseTimer;
    private final Timer outboxTimer;

    public UsageEventsConsumer(AgroalDataSource db, AggregationService aggregation, MeterStore meters, Outbox outbox,
                               AggregateOutbox aggregateOutbox,
                               ObjectMapper json, Clock clock, UsageConfig config, KafkaSettings kafka, DeadLetters deadLetters,
                               MeterRegistry metrics) {
        this.db = db;
        this.aggregation = aggregation;
        this.meters = meters;
        this.outbox = outbox;
        this.deadLetters = deadLetters;
        this.aggregateOutbox = aggregateOutbox;
        this.json = json;
        this.clock = clock;
        this.config = config;
        // a record older than the raw log's retention may have lost its row there: it could not be deduplicated
        this.replaySafeAge = config.rawLog().retention().minus(Duration.ofDays(1));
        this.batchTimer = Timer.builder("usage.aggregator.batch").description("Time to apply one poll of usage.events in PostgreSQL")
                .publishPercentiles(0.5, 0.99).register(metrics);
        this.appliedCounter = Counter.builder("usage.aggregator.records").tag("outcome", "processed").register(metrics);
        this.deadCounter = Counter.builder("usage.aggregator.records").tag("outcome", "dead_lettered").register(metrics);
        this.parseTimer = AggregationService.phase(metrics, "parse");
        this.outboxTimer = AggregationService.phase(metrics, "outbox");
        for (int i = 0; i < config.aggregation().consumers(); i++) {
            loops.add(new ConsumerLoop("usage-aggregator-" + i,
                    kafka.consumer(config.aggregation().groupId(), "usage-aggregator-" + i, config.aggregation().maxPollRecords()),
                    config.topics().events(), this::apply, deadLetters));
        }
    }

    void onStart(@Observes StartupEvent ev) {
        if (config.aggregation().enabled()) {
            loops.forEach(ConsumerLoop::start);
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        loops.forEach(ConsumerLoop::stop);
    }

    /** The consumer threads of the aggregator (they share the group's partitions). */
    public List<ConsumerLoop> loops() {
        return loops;
    }

    private List<DeadLetter> apply(List<ConsumerRecord<String, byte[]>> records) throws Exception {
        long tp = System.nanoTime();
        List<DeadLetter> dead = new ArrayList<>();
        List<LogEvent> events = new ArrayList<>(records.size());
        List<ConsumerRecord<String, byte[]>> sources = new ArrayList<>(records.size());
        Instant oldestSafe = clock.instant().minus(replaySafeAge);
        for (ConsumerRecord<String, byte[]> r : records) {
            if (r.timestamp() >= 0 && Instant.ofEpochMilli(r.timestamp()).isBefore(oldestSafe)) {
                dead.add(new DeadLetter(r, "older than the raw-log retention (" + config.rawLog().retention()
                        + "): it can no longer be deduplicated, so it is not counted"));
                continue;
            }
            try {
                events.add(parse(r));
                sources.add(r);
            } catch (IllegalArgumentException e) {
                dead.add(new DeadLetter(r, e.getMessage()));
            }
        }
        parseTimer.record(System.nanoTime() - tp, TimeUnit.NANOSECONDS);
        if (events.isEmpty()) {
            deadCounter.increment(dead.size());
            return dead;
        }
        AtomicReference<AggregationService.Outcome> outcome = new AtomicReference<>();
        long t0 = System.nanoTime();
        Transactions.run(db, c -> {
            // shared definitions lock: a meter's aggregation cannot change while this batch is applied with it
            AggregationService.Outcome o = aggregation.apply(c, events, meters.all(c, true));
            long to = System.nanoTime();
            List<AggregateOutbox.Row> rows = new ArrayList<>(o.changes().size());
            for (BucketChange ch : o.changes()) {
                rows.add(new AggregateOutbox.Row(ch.key().customerId(), payload(ch)));
            }
            aggregateOutbox.appendAll(c, config.topics().aggregates(), AggregateEvent.TYPE, rows, clock.instant());
            outboxTimer.record(System.nanoTime() - to, TimeUnit.NANOSECONDS);
            // letters that only this transaction knows (a repeat finds the events logged and derives none) are sent
            // before it commits: a failed send or a crash rolls it back and the repeat sends them again. At least
            // once, like every dead letter (their identity is topic, partition and offset); sent after the commit,
            // a crash in between lost them.
            List<DeadLetter> derived = new ArrayList<>(o.deadLetters().size());
            o.deadLetters().forEach((i, reason) -> derived.add(new DeadLetter(sources.get(i), reason)));
            sendInTransaction(derived);
            outcome.set(o);
        });
        batchTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        if (!outcome.get().changes().isEmpty()) {
            outbox.flushSoon();
        }
        appliedCounter.increment(events.size());
        deadCounter.increment(dead.size() + outcome.get().deadLetters().size());
        return dead; // those the repeat derives again: the loop sends them once this batch is applied
    }

    private void sendInTransaction(List<DeadLetter> letters) {
        try {
            deadLetters.send(letters);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending dead letters", e);
        } catch (Exception e) {
            // the cause (a Kafka error or timeout) tells the loop to retry the batch, not to treat it as poison
            throw new IllegalStateException("the dead-letter topic did not acknowledge " + letters.size() + " letters", e);
        }
    }

    private String payload(BucketChange ch) {
        Instant start = ch.key().windowStart();
        try {
            return json.writeValueAsString(new AggregateEvent(ch.key().customerId(), ch.key().meter(), ch.aggregation().wire(), start,
                    start.plus(1, ChronoUnit.HOURS), ch.key().groupKey(), ch.state().value(), ch.state().version(), ch.key().env(),
                    ch.state().eventCount()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A binary-mode CloudEvent record as an event; IllegalArgumentException names what makes it poison. */
    LogEvent parse(ConsumerRecord<String, byte[]> r) {
        String id = null, source = null, type = null, subject = null, time = null, env = null;
        for (Header h : r.headers()) {
            switch (h.key()) {
                case "ce_id" -> id = text(h);
                case "ce_source" -> source = text(h);
                case "ce_type" -> type = text(h);
                case "ce_subject" -> subject = text(h);
                case "ce_time" -> time = text(h);
                case "apimon_env" -> env = text(h);
                default -> {
                    // other headers (content-type, tracing) are not needed here
                }
            }
        }
        if (id == null || source == null || type == null || time == null) {
            throw new IllegalArgumentException("not a usage event: the ce_id, ce_source, ce_type and ce_time headers are required");
        }
        String customer = subject != null ? subject : r.key();
        if (customer == null || customer.isBlank()) {
            throw new IllegalArgumentException("no customer: neither ce_subject nor a record key");
        }
        if (env == null) {
            env = EventValidator.LIVE;
        } else if (!EventValidator.LIVE.equals(env) && !EventValidator.TEST.equals(env)) {
            throw new IllegalArgumentException("apimon_env must be live or test");
        }
        Instant at = dev.apimon.usage.ingest.domain.Rfc3339.parse(time);
        if (at == null) {
            throw new IllegalArgumentException("ce_time is not an RFC 3339 timestamp");
        }
        if (r.value() == null) {
            throw new IllegalArgumentException("no value: the event data must be a JSON object");
        }
        String text = new String(r.value(), StandardCharsets.UTF_8);
        JsonNode data;
        try {
            data = json.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException("the value is not JSON");
        }
        if (data == null || !data.isObject()) {
            throw new IllegalArgumentException("the value (event data) must be a JSON object");
        }
        EventKey corrects = null;
        if (EventValidator.CORRECTION_TYPE.equals(type)) {
            String problem = EventValidator.correctionProblem(data);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            JsonNode o = data.get("original");
            corrects = new EventKey(customer, o.get("source").asText(), o.get("id").asText());
        }
        Instant ingested = r.timestamp() >= 0 ? Instant.ofEpochMilli(r.timestamp()) : clock.instant();
        return new LogEvent(customer, source, id, type, at, env, data, text, corrects, ingested);
    }

    private static String text(Header h) {
        if (h.value() == null) {
            return null;
        }
        String s = new String(h.value(), StandardCharsets.UTF_8);
        return s.isBlank() ? null : s;
    }
}
