package dev.apimon.usage.ingest.messaging;

import dev.apimon.usage.config.UsageConfig;
import dev.apimon.usage.ingest.domain.UsageEvent;
import dev.apimon.usage.kafka.KafkaSettings;
import io.quarkus.runtime.ShutdownEvent;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;

/**
 * Publishes the events of ingest requests to {@code usage.events} in Kafka transactions (acks=all, idempotent):
 * either all of a request's events become visible to read_committed consumers or none do, so a 503 really
 * means "nothing of this request was accepted". Binary-mode CloudEvents as docs/events.md defines.
 * <p>
 * Requests that arrive while a transaction is running share the next one ({@link GroupCommitter}): a request
 * is always wholly inside one transaction, and a failed transaction fails every request in it. Plain
 * transactional producers rather than a SmallRye channel, one per committer thread: a Kafka producer runs one
 * transaction at a time. Each keeps its transactional.id for life; a broken producer is replaced by a new one with
 * the same id, whose initTransactions() aborts whatever the old one left open.
 */
@Singleton
public class UsageEventPublisher {
    private static final Logger LOG = Logger.getLogger(UsageEventPublisher.class);
    private static final byte[] SPEC = bytes("1.0");
    private static final byte[] JSON = bytes("application/json");

    private final KafkaSettings kafka;
    private final String topic;
    private final Duration timeout;
    private final String compression;
    private final List<Slot> slots;
    private final GroupCommitter<UsageEvent> groups;
    private final DistributionSummary transactionEvents;

    /** One committer thread's producer. */
    private final class Slot implements GroupCommitter.Committer<UsageEvent> {
        final String transactionalId;
        KafkaProducer<String, byte[]> producer;

        Slot(String transactionalId) {
            this.transactionalId = transactionalId;
        }

        @Override
        public void commit(List<UsageEvent> events) throws LogUnavailableException {
            KafkaProducer<String, byte[]> p = ready(this);
            try {
                p.beginTransaction();
                HeaderBytes cache = new HeaderBytes();
                for (UsageEvent e : events) {
                    p.send(record(e, cache));
                }
                commitWithRetry(p);
                transactionEvents.record(events.size());
            } catch (RuntimeException e) {
                abortOrDiscard(this, e);
                throw new LogUnavailableException("Kafka did not commit the events: " + e.getMessage(), e);
            }
        }
    }

    public UsageEventPublisher(KafkaSettings kafka, UsageConfig config, MeterRegistry metrics) {
        this.transactionEvents = DistributionSummary.builder("usage.ingest.transaction.events")
                .description("Events per committed ingest transaction (requests share one while another commits)")
                .register(metrics);
        this.kafka = kafka;
        this.topic = config.topics().events();
        this.timeout = config.ingest().publishTimeout();
        this.compression = config.ingest().compression();
        int n = config.ingest().producers();
        String prefix = config.ingest().transactionalIdPrefix().orElseGet(UsageEventPublisher::hostPrefix);
        List<Slot> all = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(new Slot(prefix + "-" + i));
        }
        this.slots = List.copyOf(all);
        this.groups = new GroupCommitter<>("usage-ingest-commit", slots, config.ingest().groupEvents());
    }

    private static String hostPrefix() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "local";
            }
        }
        return "usage-ingest-" + host;
    }

    /** Publishes all events in one transaction (shared with concurrent requests); throws if Kafka did not commit it. */
    public void publish(List<UsageEvent> events) throws LogUnavailableException {
        try {
            // a committer bounds its own work (max.block.ms, publish timeout); this wait is only a safety net
            groups.submit(events, 3 * timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof LogUnavailableException u) {
                throw u;
            }
            throw new LogUnavailableException("Kafka did not commit the events: " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new LogUnavailableException("no answer from the Kafka committer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException("interrupted", e);
        }
    }

    /**
     * A commit that timed out may still complete: it is retried (as Kafka requires) until the publish timeout,
     * so a slow broker yields a 202, not a 503 for events that were in fact committed.
     */
    private void commitWithRetry(KafkaProducer<String, byte[]> p) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                p.commitTransaction();
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
        }
    }

    private KafkaProducer<String, byte[]> ready(Slot slot) throws LogUnavailableException {
        if (slot.producer != null) {
            return slot.producer;
        }
        Properties props = kafka.durableProducer(slot.transactionalId);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, slot.transactionalId);
        // a request's events are sent at commit (flush); linger only lets them fill full batches meanwhile
        props.put(ProducerConfig.LINGER_MS_CONFIG, 100);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 16L * 1024 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        // a crashed instance's open transaction blocks read_committed consumers until it times out
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15000);
        KafkaProducer<String, byte[]> p = new KafkaProducer<>(props);
        try {
            p.initTransactions();
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw new LogUnavailableException("Kafka is unavailable: " + e.getMessage(), e);
        }
        slot.producer = p;
        return p;
    }

    private void abortOrDiscard(Slot slot, RuntimeException cause) {
        KafkaProducer<String, byte[]> p = slot.producer;
        try {
            p.abortTransaction();
            LOG.warnf("ingest transaction aborted (%s): %s", slot.transactionalId, cause.toString());
        } catch (RuntimeException e) {
            // fenced, fatal or Kafka unreachable: start over; the next initTransactions() aborts what is left open
            LOG.warnf("discarding Kafka producer %s after %s", slot.transactionalId, cause.toString());
            p.close(Duration.ZERO);
            slot.producer = null;
        }
    }

    /** Header values repeat within a request (source, type, customer, time): encode each once. */
    static final class HeaderBytes extends java.util.HashMap<String, byte[]> {
        byte[] of(String s) {
            return computeIfAbsent(s, UsageEventPublisher::bytes);
        }
    }

    ProducerRecord<String, byte[]> record(UsageEvent e, HeaderBytes cache) {
        RecordHeaders h = new RecordHeaders();
        h.add("ce_specversion", SPEC);
        h.add("ce_id", bytes(e.id()));
        h.add("ce_source", cache.of(e.source()));
        h.add("ce_type", cache.of(e.type()));
        h.add("ce_subject", cache.of(e.customerId()));
        h.add("ce_time", cache.of(e.timeText()));
        h.add("content-type", JSON);
        h.add("apimon_env", cache.of(e.env()));
        return new ProducerRecord<>(topic, null, e.customerId(), e.payload(), h);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    void onStop(@Observes ShutdownEvent ev) {
        groups.close(); // committer threads end after their current transaction, then nothing uses the producers
        for (Slot s : slots) {
            if (s.producer != null) {
                s.producer.close(Duration.ofSeconds(2));
            }
        }
    }
}
