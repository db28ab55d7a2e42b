package dev.apimon.invoice.webhooks.store;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/** The webhook inbox: every Stripe event id is stored once, in the transaction that applies it. */
@Singleton
public class WebhookStore {

    /** False when the event was already received (a redelivery or a replay): the caller applies nothing. */
    public boolean firstDelivery(Connection tx, String eventId, String type, String stripeInvoiceId, String payload, Instant at)
            throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO stripe_events (event_id, type, stripe_invoice_id, payload, outcome, "
                + "received_at) VALUES (?,?,?,?,'received',?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, eventId);
            ps.setString(2, type);
            ps.setString(3, stripeInvoiceId);
            ps.setString(4, payload);
            ps.setTimestamp(5, Timestamp.from(at));
            return ps.executeUpdate() == 1;
        }
    }

    public void outcome(Connection tx, String eventId, String invoiceId, String outcome) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE stripe_events SET invoice_id = ?, outcome = ? WHERE event_id = ?")) {
            ps.setString(1, invoiceId);
            ps.setString(2, outcome);
            ps.setString(3, eventId);
            ps.executeUpdate();
        }
    }
}
