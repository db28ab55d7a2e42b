package dev.apimon.portal.spend.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.portal.spend.domain.CustomerDirectory;
import dev.apimon.portal.spend.domain.SpendBoard;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import io.smallrye.mutiny.Multi;

/** Projections of billing.spend, customers.events and billing.alerts; replays simply overwrite with the same state. */
@Singleton
public class PortalFeeds {
    private final SpendBoard spend;
    private final CustomerDirectory customers;
    private final ObjectMapper json;
    private final BroadcastProcessor<JsonNode> alerts = BroadcastProcessor.create();

    public PortalFeeds(SpendBoard spend, CustomerDirectory customers, ObjectMapper json) {
        this.spend = spend;
        this.customers = customers;
        this.json = json;
    }

    @Incoming("spend")
    public void onSpend(ConsumerRecord<String, String> r) throws Exception {
        JsonNode s = json.readTree(r.value());
        if (!s.hasNonNull("customer_id")) {
            throw new IllegalArgumentException("billing.spend record without customer_id");
        }
        spend.update(s.get("customer_id").asText(), s);
    }

    @Incoming("customers")
    public void onCustomer(ConsumerRecord<String, String> r) throws Exception {
        JsonNode c = json.readTree(r.value());
        if (!c.hasNonNull("id")) {
            throw new IllegalArgumentException("customers.events record without id");
        }
        customers.update(c);
    }

    @Incoming("alerts")
    public void onAlert(ConsumerRecord<String, String> r) throws Exception {
        alerts.onNext(json.readTree(r.value()));
    }

    public Multi<JsonNode> alerts(String customerId) {
        return alerts.toHotStream().filter(a -> customerId.equals(a.path("customer_id").asText()));
    }
}
