package dev.apimon.platform.outbox;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Publishes outbox rows in order to Kafka as binary-mode CloudEvents through the {@code outbox} channel, and
 * marks them published only after the broker acknowledged them (acks=all). A crash in between republishes the
 * same CloudEvent id, which consumers ignore: at least once, never lost.
 *
 * <p>One replica relays at a time (a transaction-level advisory lock per application): two replicas each holding
 * a batch would publish in the order their sends finish, so an older snapshot of a key could land after a newer
 * one on a compacted topic and win (a revoked key valid again).
 */
@Singleton
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final AgroalDataSource db;
    private final Emitter<String> emitter;
    private final Clock clock;
    private final URI source;
    private final Duration pollEvery;
    private final String lockName;
    private volatile Thread worker;
    private volatile boolean running;

    public OutboxRelay(AgroalDataSource db, @Channel("outbox") Emitter<String> emitter, Clock clock,
                       @ConfigProperty(name = "quarkus.application.name") String app,
                       @ConfigProperty(name = "apimon.outbox.poll", defaultValue = "PT0.2S") Duration pollEvery) {
        this.db = db;
        this.emitter = emitter;
        this.clock = clock;
        this.source = URI.create("apimon/" + app);
        this.pollEvery = pollEvery;
        this.lockName = lockName(app);
    }

    /** The advisory lock's name: one relay per application, whether or not applications share a database. */
    public static String lockName(String app) {
        return "apimon-outbox:" + app;
    }

    void onStart(@Observes StartupEvent ev) {
        running = true;
        worker = new Thread(this::loop, "outbox-relay");
        worker.setDaemon(true);
        worker.start();
    }

    void onStop(@Observes ShutdownEvent ev) {
        running = false;
        if (worker != null) {
            worker.interrupt();
        }
    }

    void wakeUp() {
        Thread w = worker;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    private void loop() {
        Duration backoff = pollEvery;
        while (running) {
            try {
                int sent = publishBatch(200);
                backoff = pollEvery;
                if (sent > 0) {
                    continue;
                }
            } catch (Exception e) {
                LOG.debugf("outbox relay waiting: %s", e.getMessage());
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : backoff.multipliedBy(2);
            }
            LockSupport.parkNanos(backoff.toNanos());
            if (Thread.interrupted() && !running) {
                return;
            }
        }
    }

    /** Publishes up to {@code max} unpublished rows; returns how many were acknowledged. */
    public int publishBatch(int max) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            if (!relayLock(c)) {
                c.rollback();
                return 0; // another replica is relaying
            }
            List<OutboxEvent> batch = new ArrayList<>();
            List<Long> seqs = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT seq, event_id, topic, record_key, event_type, subject, payload, created_at FROM outbox "
                            + "WHERE published_at IS NULL ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED")) {
                ps.setInt(1, max);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        seqs.add(rs.getLong(1));
                        batch.add(new OutboxEvent(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), rs.getString(7), rs.getTimestamp(8).toInstant()));
                    }
                }
            }
            if (batch.isEmpty()) {
                c.rollback();
                return 0;
            }
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (OutboxEvent e : batch) {
                acks.add(send(e));
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
            try {
                all.get(30, TimeUnit.SECONDS);
            } catch (Exception ex) {
                // keep the relay lock while sends can still settle (the producer gives up on a record 30 s after it
                // took it): one in flight when another replica takes over could land after that replica's newer
                // snapshot of the same key. Bounded, so a replica cut off from Kafka holds up the others' relay only
                // this long each time it wins the lock.
                try {
                    all.get(45, TimeUnit.SECONDS);
                } catch (Exception settledOrNot) {
                    LOG.debugf("outbox batch settled with %s", settledOrNot.toString());
                }
                c.rollback();
                markFailure(seqs, ex);
                throw new SQLException("Kafka did not acknowledge the outbox batch: " + ex.getMessage(), ex);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET published_at = ? WHERE seq = ANY (?)")) {
                ps.setTimestamp(1, Timestamp.from(clock.instant()));
                ps.setArray(2, c.createArrayOf("bigint", seqs.toArray()));
                ps.executeUpdate();
            }
            c.commit();
            return batch.size();
        }
    }

    private boolean relayLock(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_xact_lock(hashtext(?))")) {
            ps.setString(1, lockName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private CompletableFuture<Void> send(OutboxEvent e) {
        OutgoingCloudEventMetadata<Object> ce = OutgoingCloudEventMetadata.builder()
                .withId(e.eventId()).withType(e.type()).withSource(source).withSubject(e.subject())
                .withTimestamp(e.createdAt().atZone(java.time.ZoneOffset.UTC))
                .withDataContentType("application/json").build();
        OutgoingKafkaRecordMetadata<String> kafka = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(e.topic()).withKey(e.key()).build();
        return AckedSend.send(emitter, e.payload(), Metadata.of(ce, kafka));
    }

    private void markFailure(List<Long> seqs, Exception ex) {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ANY (?)")) {
            ps.setString(1, String.valueOf(ex.getMessage()));
            ps.setArray(2, c.createArrayOf("bigint", seqs.toArray()));
            ps.executeUpdate();
        } catch (SQLException ignored) {
            // the database is the problem too; the next poll retries
        }
    }
}
