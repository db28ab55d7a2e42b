package dev.apimon.portal.spend.domain;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest {@code billing.spend} snapshot of every customer (rebuilt from the compacted topic at start) and a
 * broadcast of each change, which the SSE streams filter per customer.
 */
@Singleton
public class SpendBoard {
    /**
     * Changes queued per stream while its client has not taken the previous ones (an SSE connection asks for one
     * event at a time). A client this far behind loses its stream (the browser's EventSource reconnects and gets
     * the current state first); the other streams are not affected.
     */
    public static final int MAX_QUEUED_PER_STREAM = 256;

    private final Map<String, JsonNode> latest = new ConcurrentHashMap<>();
    private final BroadcastProcessor<JsonNode> changes = BroadcastProcessor.create();
    /** Orders "read the current state + subscribe" against updates, so a stream neither misses nor reorders one. */
    private final Object lock = new Object();

    public void update(String customerId, JsonNode snapshot) {
        synchronized (lock) {
            latest.put(customerId, snapshot);
            changes.onNext(snapshot);
        }
    }

    public Optional<JsonNode> current(String customerId) {
        return Optional.ofNullable(latest.get(customerId));
    }

    public Collection<JsonNode> all() {
        return latest.values();
    }

    /** The current state first (if any), then every change of this customer's spend, in order. */
    public Multi<JsonNode> stream(String customerId) {
        return Multi.createFrom().<JsonNode>emitter(emitter -> {
            synchronized (lock) {
                Cancellable subscription = changes.toHotStream()
                        .filter(s -> customerId.equals(s.path("customer_id").asText()))
                        .subscribe().with(emitter::emit, emitter::fail, emitter::complete);
                emitter.onTermination(subscription::cancel);
                JsonNode now = latest.get(customerId);
                if (now != null) {
                    emitter.emit(now);
                }
            }
        }, BackPressureStrategy.IGNORE).onOverflow().buffer(MAX_QUEUED_PER_STREAM);
    }
}
