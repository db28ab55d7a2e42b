package dev.apimon.usage.customers;

import static dev.apimon.usage.support.Fixtures.batch;
import static dev.apimon.usage.support.Fixtures.event;
import static dev.apimon.usage.support.Fixtures.ingest;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.usage.support.Fixtures;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class CustomerSnapshotTest {
    @Inject
    AgroalDataSource db;

    String externalIdOf(String id) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT external_id FROM customers WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? String.valueOf(rs.getString(1)) : null;
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void eventsAreAcceptedOnlyForCustomersLearnedFromCustomersEvents() {
        String bootstrap = KafkaResource.bootstrapServers();
        String id = Fixtures.customerId();
        String external = Fixtures.unique("crm");
        String type = Fixtures.unique("snap") + ".request";
        ingest(batch(event("before", external, Fixtures.hoursAgo(1), type, "{}"))).then().statusCode(400)
                .body("errors[0].message", equalTo("unknown customer '" + external + "'"));

        Fixtures.publishCustomer(bootstrap, id, external, Instant.parse("2026-11-01T00:00:00Z"));
        Fixtures.await("the customer snapshot is stored", Duration.ofSeconds(20), () -> externalIdOf(id), external::equals);
        // subject may be the external id or the id; the log and Kafka carry the customer id
        ingest(batch(event("by-external", external, Fixtures.hoursAgo(1), type, "{}"),
                event("by-id", id, Fixtures.hoursAgo(1), type, "{}"))).then().statusCode(202).body("accepted", equalTo(2));
        Fixtures.await("both events logged under the customer id", Duration.ofSeconds(20),
                () -> Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ?", id), n -> n == 2);

        // snapshots arriving out of order: the newest wins
        Fixtures.publishCustomer(bootstrap, id, "renamed", Instant.parse("2026-11-10T00:00:00Z"));
        Fixtures.publishCustomer(bootstrap, id, "stale", Instant.parse("2026-11-05T00:00:00Z"));
        String marker = Fixtures.customerId();
        Fixtures.publishCustomer(bootstrap, marker, null, Instant.parse("2026-11-10T00:00:00Z"));
        Fixtures.await("later snapshots consumed", Duration.ofSeconds(20), () -> Fixtures.count(db,
                "SELECT count(*) FROM customers WHERE id = ?", marker), n -> n == 1);
        assertEquals("renamed", externalIdOf(id));
    }

    @Test
    void aBrokenSnapshotIsDeadLetteredAndConsumptionContinues() {
        String bootstrap = KafkaResource.bootstrapServers();
        String key = Fixtures.customerId();
        Fixtures.publish(bootstrap, "customers.events", key, "{\"external_id\": \"no id here\"}", "ce_id", Fixtures.unique("evt"),
                "ce_type", "com.apimon.customer.created");
        String after = Fixtures.customerId();
        Fixtures.publishCustomer(bootstrap, after, null, Instant.now());
        Fixtures.await("the next snapshot is applied", Duration.ofSeconds(20),
                () -> Fixtures.count(db, "SELECT count(*) FROM customers WHERE id = ?", after), n -> n == 1);
        var dead = Fixtures.await("the dead letter", Duration.ofSeconds(20),
                () -> Fixtures.read(bootstrap, "apimon.dead-letter", r -> key.equals(r.key())), l -> l.size() == 1);
        assertEquals("customer snapshot has no id", Fixtures.header(dead.get(0), "dead-letter-reason"));
        assertEquals("customers.events", Fixtures.header(dead.get(0), "dead-letter-topic"));
    }
}
