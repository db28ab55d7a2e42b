package dev.apimon.usage.kafka;

import dev.apimon.platform.db.Poison;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * A consumer thread with the at-least-once discipline every apimon consumer needs: the handler applies a whole
 * poll in its own database transaction, poison records go to the dead-letter topic, and only then are the
 * offsets committed. Any failure (database down, Kafka down) seeks back to the batch start and retries after a
 * backoff: nothing is skipped, and the handler's idempotence makes the repeat harmless.
 * <p>
 * A plain KafkaConsumer rather than a SmallRye channel: SmallRye's batch nack would dead-letter a whole batch
 * for one poison record, and a database outage would have to be either "fail" (stop) or dead-letter valid events.
 */
public final class ConsumerLoop {
    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class);

    /**
     * Applies records in one transaction; returns the ones to dead-letter. A SQLException or KafkaException
     * retries the same records later; any other exception is taken as a poison record among them, found by
     * applying the records one by one.
     */
    @FunctionalInterface
    public interface Handler {
        List<DeadLetter> handle(List<ConsumerRecord<String, byte[]>> records) throws Exception;
    }

    private final String name;
    private final Properties props;
    private final String topic;
    private final Handler handler;
    private final DeadLetters deadLetters;
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final AtomicLong recordsSeen = new AtomicLong();
    private final AtomicLong rewinds = new AtomicLong();
    private volatile boolean rewindRequested;
    private volatile boolean running;
    private volatile String lastFailure;
    private volatile Thread thread;
    private volatile KafkaConsumer<String, byte[]> consumer;

    public ConsumerLoop(String name, Properties props, String topic, Handler handler, DeadLetters deadLetters) {
        this.name = name;
        this.props = props;
        this.topic = topic;
        this.handler = handler;
        this.deadLetters = deadLetters;
    }

    public void start() {
        running = true;
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    public void stop() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Re-reads the topic from offset zero (what an operator's offset reset does); the handler must change nothing. */
    public void rewind() {
        rewindRequested = true;
    }

    public long rewinds() {
        return rewinds.get();
    }

    /** Records handed to the handler since start (replays included). */
    public long recordsSeen() {
        return recordsSeen.get();
    }

    /** The next offset to read per assigned partition, after the last committed batch. */
    public Map<TopicPartition, Long> positions() {
        return Map.copyOf(positions);
    }

    public boolean isRunning() {
        Thread t = thread;
        return running && t != null && t.isAlive();
    }

    /** The last failure's message while the loop is retrying, null when the last batch succeeded. */
    public String lastFailure() {
        return lastFailure;
    }

    private void run() {
        Duration backoff = Duration.ofMillis(100);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props)) {
            consumer = c;
            c.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    partitions.forEach(positions::remove);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }
            });
            while (running) {
                if (rewindRequested) {
                    rewindRequested = false;
                    c.seekToBeginning(c.assignment());
                    for (TopicPartition tp : c.assignment()) {
                        positions.put(tp, c.position(tp));
                    }
                    rewinds.incrementAndGet();
                    LOG.infof("%s: rewound %s to the beginning", name, c.assignment());
                }
                ConsumerRecords<String, byte[]> records;
                try {
                    records = c.poll(Duration.ofMillis(200));
                } catch (WakeupException e) {
                    break;
                } catch (RuntimeException e) {
                    fail(e);
                    sleep(backoff);
                    continue;
                }
                if (records.isEmpty()) {
                    // an idle partition may still have moved past transaction markers: commit that, so lag reads 0
                    Map<TopicPartition, OffsetAndMetadata> moved = new HashMap<>();
                    for (TopicPartition tp : c.assignment()) {
                        long p = c.position(tp);
                        Long known = positions.put(tp, p);
                        if (known != null && known != p) {
                            moved.put(tp, new OffsetAndMetadata(p));
                        }
                    }
                    if (!moved.isEmpty()) {
                        try {
                            c.commitSync(moved);
                        } catch (RuntimeException e) {
                            moved.keySet().forEach(positions::remove);
                        }
                    }
                    continue;
                }
                recordsSeen.addAndGet(records.count());
                try {
                    deadLetters.send(applyIsolatingPoison(list(records)));
                    // the position, not last offset + 1: it also covers transaction markers and aborted records
                    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                    for (TopicPartition tp : c.assignment()) {
                        commit.put(tp, new OffsetAndMetadata(c.position(tp)));
                    }
                    c.commitSync(commit);
                    commit.forEach((tp, o) -> positions.put(tp, o.offset()));
                    lastFailure = null;
                    backoff = Duration.ofMillis(100);
                } catch (WakeupException e) {
                    break;
                } catch (Exception e) {
                    fail(e);
                    seekBack(c, records);
                    sleep(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : backoff.multipliedBy(2);
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s stopped", name);
            lastFailure = e.toString();
        } finally {
            consumer = null;
        }
    }

    private List<DeadLetter> applyIsolatingPoison(List<ConsumerRecord<String, byte[]>> records) throws Exception {
        try {
            return handler.handle(records);
        } catch (Exception e) {
            if (!Poison.suspect(e)) {
                throw e;
            }
            LOG.warnf("%s: %s in a batch of %d; applying its records one by one", name, e, records.size());
            List<DeadLetter> dead = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                try {
                    dead.addAll(handler.handle(List.of(r)));
                } catch (Exception single) {
                    if (!Poison.suspect(single)) {
                        throw single;
                    }
                    dead.add(new DeadLetter(r, "unprocessable: " + single));
                }
            }
            return dead;
        }
    }

    private static List<ConsumerRecord<String, byte[]>> list(ConsumerRecords<String, byte[]> records) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>(records.count());
        records.forEach(out::add);
        return out;
    }

    private void fail(Exception e) {
        String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (!msg.equals(lastFailure)) {
            LOG.warnf("%s: batch not applied, retrying: %s", name, msg);
        }
        lastFailure = msg;
    }

    private static void seekBack(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            try {
                c.seek(tp, records.records(tp).get(0).offset());
            } catch (IllegalStateException e) {
                // partition revoked meanwhile: its new owner starts from the committed offset
            }
        }
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
