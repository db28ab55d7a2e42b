package dev.apimon.rating.credits.domain;

import java.math.BigDecimal;
import java.time.Instant;

public record LedgerEntry(long seq, String customerId, String sourceId, BigDecimal delta, BigDecimal balanceAfter, String reason,
                          String reference, Instant at) {
}
