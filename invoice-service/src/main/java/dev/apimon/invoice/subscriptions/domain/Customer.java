package dev.apimon.invoice.subscriptions.domain;

/** invoice-service's copy of a customer (from {@code customers.events}): who to invoice, where (tax), Stripe link. */
public record Customer(String id, String name, String email, String currency, String region, String status, String stripeCustomerId) {
}
