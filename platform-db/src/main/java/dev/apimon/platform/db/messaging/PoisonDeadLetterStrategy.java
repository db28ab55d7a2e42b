package dev.apimon.platform.db.messaging;

import io.quarkus.arc.Unremovable;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaConnectorIncomingConfiguration;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.fault.KafkaFailureHandler;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.BiConsumer;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * {@code failure-strategy=dead-letter-poison} for the single-record consumers: the connector's
 * {@code dead-letter-queue} for whatever a handler throws (its handlers retry transient failures in place, see
 * {@link RetryInPlace}, so what reaches this is poison) except {@link RetryInPlace.NotApplied} — a good record the
 * service stopped retrying while shutting down. That one is handled like {@code failure-strategy=fail}: the channel
 * stops with the record unacknowledged, so its offset is not committed and the next consumer reads it again. With
 * plain {@code dead-letter-queue} a replica stopped during a database outage would dead-letter, and lose, its record.
 */
@ApplicationScoped
@Unremovable // looked up by name when the connector creates the channel, never injected
@Identifier("dead-letter-poison")
public class PoisonDeadLetterStrategy implements KafkaFailureHandler.Factory {
    private final KafkaFailureHandler.Factory deadLetterQueue;
    private final KafkaFailureHandler.Factory fail;

    public PoisonDeadLetterStrategy(@Identifier("dead-letter-queue") KafkaFailureHandler.Factory deadLetterQueue,
                                    @Identifier("fail") KafkaFailureHandler.Factory fail) {
        this.deadLetterQueue = deadLetterQueue;
        this.fail = fail;
    }

    @Override
    public KafkaFailureHandler create(KafkaConnectorIncomingConfiguration config, Vertx vertx, KafkaConsumer<?, ?> consumer,
                                      BiConsumer<Throwable, Boolean> reportFailure) {
        KafkaFailureHandler poison = deadLetterQueue.create(config, vertx, consumer, reportFailure);
        KafkaFailureHandler stop = fail.create(config, vertx, consumer, reportFailure);
        return new KafkaFailureHandler() {
            @Override
            public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record, Throwable reason, Metadata metadata) {
                return notApplied(reason) ? stop.handle(record, reason, metadata) : poison.handle(record, reason, metadata);
            }

            @Override
            public void terminate() {
                poison.terminate();
                stop.terminate();
            }
        };
    }

    /** The connector may wrap what the method threw, so the whole cause chain is looked at. */
    static boolean notApplied(Throwable reason) {
        for (Throwable t = reason; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RetryInPlace.NotApplied) {
                return true;
            }
        }
        return false;
    }
}
