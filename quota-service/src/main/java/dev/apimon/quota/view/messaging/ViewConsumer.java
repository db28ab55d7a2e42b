package dev.apimon.quota.view.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.shared.messaging.EventProducer;
import dev.apimon.quota.view.domain.QuotaView;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Rebuilds the view from keys.events, subscriptions.events and billing.catalog, then keeps it current.
 *
 * <p>Every replica needs the whole view, so there is no consumer group: all partitions are assigned manually and
 * read from the beginning (compacted topics: the latest snapshot per key rebuilds the state). The view is
 * "loaded" once every partition reached the end offset it had at start; readiness stays DOWN until then. Topics
 * or partitions that appear later are picked up by a periodic metadata refresh. A record that cannot be applied
 * goes to the dead-letter topic and consumption goes on.
 */
@Singleton
public class ViewConsumer {
    private static final Logger LOG = Logger.getLogger(ViewConsumer.class);

    private final QuotaView view;
    private final SnapshotParser parser;
    private final EventProducer producer;
    private final MeterRegistry metrics;
    private final String bootstrap;
    private final QuotaConfig.View topics;
    private final List<String> topicNames;
    private final Map<TopicPartition, Long> loadTargets = new HashMap<>();
    private final Set<TopicPartition> assigned = new HashSet<>();
    // the next offset to read per partition, kept across reconnects: re-reading a compacted topic from the beginning
    // would re-apply older, not yet compacted snapshots (a revoked key valid again for a moment)
    private final Map<TopicPartition, Long> applied = new HashMap<>();
    private volatile boolean running;
    private volatile boolean reconnectRequested;
    private volatile int connections;
    private volatile boolean loaded;
    private volatile boolean metadataSeen;
    private volatile String status = "not started";
    private volatile Instant loadedAt;
    private volatile Thread thread;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private long nextRefreshNanos;
    private final long startedNanos = System.nanoTime();

    public ViewConsumer(QuotaView view, ObjectMapper json, EventProducer producer, MeterRegistry metrics,
                        QuotaConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.view = view;
        this.parser = new SnapshotParser(json, LOG::warn);
        this.producer = producer;
        this.metrics = metrics;
        this.bootstrap = bootstrap;
        this.topics = config.view();
        this.topicNames = List.of(topics.keysTopic(), topics.subscriptionsTopic(), topics.catalogTopic());
    }

    void onStart(@Observes StartupEvent ev) {
        start();
    }

    void onStop(@Observes ShutdownEvent ev) {
        stop();
    }

    /** Starts consuming; a second instance (as tests do) is an independent replica view. */
    public void start() {
        running = true;
        Thread t = new Thread(this::run, "quota-view-consumer");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    public void stop() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    public boolean loaded() {
        return loaded;
    }

    /** How many Kafka consumers this view has had: 1, plus one per reconnect. */
    public int connections() {
        return connections;
    }

    public String status() {
        return status;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    public boolean alive() {
        Thread t = thread;
        return t == null || t.isAlive() || !running;
    }

    private Properties props() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "quota-view-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        // a revocation must reach the view within a second: do not let the broker hold fetches long
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props())) {
                consumer = c;
                connections++;
                assigned.clear();
                nextRefreshNanos = 0;
                status = loaded ? "reconnecting" : "loading: waiting for Kafka metadata";
                while (running) {
                    pollOnce(c);
                }
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                status = (loaded ? "" : "loading: ") + "Kafka error " + e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.warnf("view consumer: %s; retrying", status);
                sleep(1000);
            }
        }
    }

    /** Drops the Kafka consumer and connects anew, as after a Kafka error (tests use it to show what a reconnect reads). */
    public void reconnect() {
        reconnectRequested = true;
    }

    private void pollOnce(KafkaConsumer<String, byte[]> c) {
        if (reconnectRequested) {
            reconnectRequested = false;
            throw new IllegalStateException("reconnect requested");
        }
        if (System.nanoTime() >= nextRefreshNanos) {
            refreshAssignment(c);
        }
        if (assigned.isEmpty()) {
            checkLoaded(c);
            sleep(100);
            return;
        }
        ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(100));
        for (ConsumerRecord<String, byte[]> rec : records) {
            apply(rec);
            applied.put(new TopicPartition(rec.topic(), rec.partition()), rec.offset() + 1);
        }
        if (!loaded) {
            checkLoaded(c);
        } else if (!"loaded".equals(status)) {
            status = "loaded"; // reconnected (the status said "reconnecting" for good before)
        }
    }

    private void refreshAssignment(KafkaConsumer<String, byte[]> c) {
        Map<String, List<PartitionInfo>> existing = c.listTopics(Duration.ofSeconds(5));
        metadataSeen = true;
        List<TopicPartition> fresh = new ArrayList<>();
        boolean missing = false;
        for (String t : topicNames) {
            List<PartitionInfo> parts = existing.get(t);
            if (parts == null || parts.isEmpty()) {
                missing = true;
                continue;
            }
            for (PartitionInfo p : parts) {
                TopicPartition tp = new TopicPartition(p.topic(), p.partition());
                if (assigned.add(tp)) {
                    fresh.add(tp);
                }
            }
        }
        if (!fresh.isEmpty()) {
            c.assign(new ArrayList<>(assigned));
            List<TopicPartition> unread = new ArrayList<>();
            for (TopicPartition tp : fresh) {
                Long next = applied.get(tp);
                if (next == null) {
                    unread.add(tp);
                } else {
                    c.seek(tp, next); // a reconnect: continue where the view is (out of range: earliest, by reset)
                }
            }
            if (!unread.isEmpty()) { // an empty collection would mean "every assigned partition"
                c.seekToBeginning(unread);
            }
            if (!loaded) {
                loadTargets.putAll(c.endOffsets(fresh, Duration.ofSeconds(5)));
            }
            LOG.infof("view consumer reading %s from the beginning, %s from where it was", unread, fresh.size() - unread.size());
        }
        // a topic that does not exist yet is looked for every second; otherwise partitions rarely change
        nextRefreshNanos = System.nanoTime() + (missing ? Duration.ofSeconds(1) : Duration.ofSeconds(30)).toNanos();
    }

    private void checkLoaded(KafkaConsumer<String, byte[]> c) {
        if (loaded || !metadataSeen) {
            return;
        }
        long behind = 0;
        for (Map.Entry<TopicPartition, Long> e : loadTargets.entrySet()) {
            long pos = c.position(e.getKey(), Duration.ofSeconds(5));
            behind += Math.max(0, e.getValue() - pos);
        }
        if (behind > 0) {
            status = "loading: " + behind + " records behind the end offsets seen at start";
            return;
        }
        loaded = true;
        view.markLoaded();
        loadedAt = Instant.now();
        QuotaView.Stats s = view.stats();
        status = "loaded";
        LOG.infof("view loaded in %d ms: %d keys, %d subscriptions, %d plans",
                (System.nanoTime() - startedNanos) / 1_000_000, s.keys(), s.subscriptions(), s.plans());
    }

    void apply(ConsumerRecord<String, byte[]> rec) {
        String topic = rec.topic();
        try {
            if (topic.equals(topics.keysTopic())) {
                if (rec.value() == null) {
                    requireKey(rec);
                    view.replaceKeys(rec.key(), List.of());
                } else {
                    SnapshotParser.Keys k = parser.keys(rec.key(), rec.value());
                    view.replaceKeys(k.customerId(), k.keys());
                }
            } else if (topic.equals(topics.subscriptionsTopic())) {
                if (rec.value() == null) {
                    requireKey(rec);
                    view.removeSubscription(rec.key());
                } else {
                    view.putSubscription(parser.subscription(rec.key(), rec.value()));
                }
            } else if (topic.equals(topics.catalogTopic())) {
                if (rec.value() == null) {
                    requireKey(rec);
                    view.removePlan(rec.key());
                } else {
                    view.putPlan(parser.plan(rec.key(), rec.value()));
                }
            }
            metrics.counter("apimon.quota.view.records", "topic", topic).increment();
        } catch (RuntimeException e) {
            deadLetter(rec, e);
        }
    }

    private static void requireKey(ConsumerRecord<String, byte[]> rec) {
        if (rec.key() == null) {
            throw new SnapshotParser.PoisonException("a tombstone needs a record key");
        }
    }

    private void deadLetter(ConsumerRecord<String, byte[]> rec, RuntimeException e) {
        metrics.counter("apimon.quota.view.dead.letters", "topic", rec.topic()).increment();
        LOG.warnf("dead-lettering %s-%d@%d: %s", rec.topic(), rec.partition(), rec.offset(), e.getMessage());
        ProducerRecord<String, byte[]> dl = new ProducerRecord<>(topics.deadLetterTopic(), rec.key(), rec.value());
        for (Header h : rec.headers()) {
            dl.headers().add(h);
        }
        dl.headers().add("dead-letter-reason", EventProducer.bytes(String.valueOf(e.getMessage())));
        dl.headers().add("dead-letter-cause", EventProducer.bytes(e.getClass().getName()));
        dl.headers().add("dead-letter-topic", EventProducer.bytes(rec.topic()));
        dl.headers().add("dead-letter-partition", EventProducer.bytes(Integer.toString(rec.partition())));
        dl.headers().add("dead-letter-offset", EventProducer.bytes(Long.toString(rec.offset())));
        dl.headers().add("dead-letter-consumer", EventProducer.bytes("quota-service"));
        producer.send(dl).whenComplete((md, ex) -> {
            if (ex != null) {
                LOG.errorf("could not dead-letter %s-%d@%d: %s", rec.topic(), rec.partition(), rec.offset(), ex.toString());
            }
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
