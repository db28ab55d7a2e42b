package dev.apimon.invoice.subscriptions.store;

import dev.apimon.invoice.subscriptions.domain.Customer;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/** Customers as key-service publishes them (plus the Stripe customer id once linked); callers own the transaction. */
@Singleton
public class CustomerStore {

    /**
     * Upserts a snapshot. A Stripe customer id given in the attributes ({@code stripe_customer_id}) links the customer
     * to an existing Stripe customer; otherwise the id Stripe sync created is kept.
     */
    public void upsert(Connection c, String id, String name, String email, String currency, String region, String status,
                       String attributesJson, String linkedStripeId, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO customers (id, name, email, currency, region, status, attributes, "
                + "stripe_customer_id, updated_at) VALUES (?,?,?,?,?,?,?::jsonb,?,?) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, "
                + "email = EXCLUDED.email, currency = EXCLUDED.currency, region = EXCLUDED.region, status = EXCLUDED.status, "
                + "attributes = EXCLUDED.attributes, stripe_customer_id = COALESCE(EXCLUDED.stripe_customer_id, customers.stripe_customer_id), "
                + "updated_at = EXCLUDED.updated_at")) {
            ps.setString(1, id);
            ps.setString(2, name);
            ps.setString(3, email);
            ps.setString(4, currency);
            ps.setString(5, region);
            ps.setString(6, status);
            ps.setString(7, attributesJson);
            ps.setString(8, linkedStripeId);
            ps.setTimestamp(9, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    public Optional<Customer> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM customers WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Customer(rs.getString("id"), rs.getString("name"), rs.getString("email"), rs.getString("currency"),
                        rs.getString("region"), rs.getString("status"), rs.getString("stripe_customer_id")));
            }
        }
    }

    public void linkStripe(Connection c, String id, String stripeCustomerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE customers SET stripe_customer_id = ? WHERE id = ?")) {
            ps.setString(1, stripeCustomerId);
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }
}
