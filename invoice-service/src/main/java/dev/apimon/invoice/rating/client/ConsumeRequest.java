package dev.apimon.invoice.rating.client;

/** Burns credits at finalization; idempotent per {@code reference} (the invoice id). */
public record ConsumeRequest(String amount, String currency, String reference) {
}
