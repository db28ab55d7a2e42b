package dev.apimon.portal.spend.domain;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Customers' names and attributes (segments) from {@code customers.events}, for the provider views. */
@Singleton
public class CustomerDirectory {
    private final Map<String, JsonNode> customers = new ConcurrentHashMap<>();

    public void update(JsonNode customer) {
        customers.put(customer.path("id").asText(), customer);
    }

    public Optional<JsonNode> find(String id) {
        return Optional.ofNullable(customers.get(id));
    }

    public String attribute(String customerId, String attribute) {
        return find(customerId).map(c -> c.path("attributes").path(attribute))
                .filter(v -> !v.isMissingNode() && !v.isNull()).map(JsonNode::asText).orElse("(none)");
    }
}
