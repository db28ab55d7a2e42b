package dev.apimon.invoice.rating.client;

import java.math.BigDecimal;

public record ReversalDto(String customerId, String reference, String currency, BigDecimal consumed, BigDecimal restored) {
}
