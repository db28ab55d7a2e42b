package dev.apimon.portal.spend.domain;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
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
    private final Map<String, JsonNode> latest = new ConcurrentHashMap<>();
    private final BroadcastProcessor<JsonNode> changes = BroadcastProcessor.create();

    public void update(String customerId, JsonNode snapshot) {
        latest.put(customerId, snapshot);
        changes.onNext(snapshot);
    }

    public Optional<JsonNode> current(String customerId) {
        return Optional.ofNullable(latest.get(customerId));
    }

    public Collection<JsonNode> all() {
        return latest.values();
    }

    /** The current state first (if any), then every change of this customer's spend. */
    public Multi<JsonNode> stream(String customerId) {
        Multi<JsonNode> future = changes.toHotStream().filter(s -> customerId.equals(s.path("customer_id").asText()));
        return current(customerId).map(now -> Multi.createBy().concatenating().streams(Multi.createFrom().item(now), future))
                .orElse(future);
    }
}
