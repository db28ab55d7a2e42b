package dev.apimon.invoice.billingruns.domain;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * One close of everything due as of an instant (an operator's POST /v1/billing-runs or the scheduler's tick):
 * opening invoices created, periods drafted, drafts finalized, and what could not be done yet.
 */
public record BillingRun(String id, Instant asOf, String customerId, String trigger, Instant startedAt, Instant finishedAt, int opened,
                         int drafted, int finalized, List<Failure> errors) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Failure(String customerId, String subscriptionId, String invoiceId, String message) {
    }
}
