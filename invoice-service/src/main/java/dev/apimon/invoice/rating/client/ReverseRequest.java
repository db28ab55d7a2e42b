package dev.apimon.invoice.rating.client;

/** Gives back what the consumption with this reference (the invoice id) burnt; idempotent per reference. */
public record ReverseRequest(String reference) {
}
