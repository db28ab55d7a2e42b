package dev.apimon.invoice.rating.client;

import java.math.BigDecimal;

public record ConsumptionDto(String customerId, String reference, String currency, BigDecimal requested, BigDecimal consumed) {
}
