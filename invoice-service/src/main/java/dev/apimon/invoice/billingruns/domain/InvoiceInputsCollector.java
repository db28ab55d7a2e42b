package dev.apimon.invoice.billingruns.domain;

import dev.apimon.invoice.invoices.domain.Invoice;
import dev.apimon.invoice.invoices.domain.InvoiceGenerator;
import dev.apimon.invoice.invoices.domain.InvoiceInputs;
import dev.apimon.invoice.invoices.domain.InvoiceLine;
import dev.apimon.invoice.invoices.store.AdjustmentStore;
import dev.apimon.invoice.invoices.store.InvoiceStore;
import dev.apimon.invoice.rating.client.PlanVersionDto;
import dev.apimon.invoice.rating.client.RatedPeriodDto;
import dev.apimon.invoice.rating.client.RatingGateway;
import dev.apimon.invoice.subscriptions.domain.Customer;
import dev.apimon.invoice.subscriptions.domain.Subscription;
import dev.apimon.platform.time.BillingPeriods;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Gathers what one invoice is generated from: rating's rated period, the fee in advance for the next period, the
 * customer's tax rate, and usage that reached rating after the previous invoice was finalized (late usage). Calls
 * rating-service; holds no database connection while it waits for it.
 */
@Singleton
public class InvoiceInputsCollector {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private final AgroalDataSource db;
    private final RatingGateway rating;
    private final InvoiceStore invoices;
    private final AdjustmentStore adjustments;
    private final TaxRates taxes;
    private final BillingConfig config;

    public InvoiceInputsCollector(AgroalDataSource db, RatingGateway rating, InvoiceStore invoices, AdjustmentStore adjustments,
                                  TaxRates taxes, BillingConfig config) {
        this.db = db;
        this.rating = rating;
        this.invoices = invoices;
        this.adjustments = adjustments;
        this.taxes = taxes;
        this.config = config;
    }

    /** Late usage of the previous period: what re-rating it now adds to (or removes from) what its invoice billed. */
    public record LateUsage(String sourceInvoiceId, BigDecimal amount, String description) {
    }

    /** Inputs of a period-close invoice; {@code late} is null when there is nothing to compare with. */
    public record Collected(InvoiceInputs inputs, String currency, Subscription.PlanRef ratedPlan, LateUsage late) {
    }

    public String interval(Subscription s) {
        return rating.plan(s.plan().code(), s.plan().version()).interval();
    }

    /** The opening invoice: the first period's fee, in advance. */
    public Collected opening(Subscription s, Customer customer, String interval) {
        Subscription.PlanRef ref = s.planAt(s.periodAnchor());
        PlanVersionDto plan = rating.plan(ref.code(), ref.version());
        BillingPeriods.Period first = BillingPeriods.nth(s.periodAnchor(), interval, 0);
        InvoiceGenerator.Fee fee = plan.fee() == null ? null
                : new InvoiceGenerator.Fee(plan.feeDescription(), plan.fee(), first.start(), first.end());
        return new Collected(new InvoiceInputs(null, fee, taxes.forRegion(customer.region()), BigDecimal.ZERO), plan.currency(), ref, null);
    }

    /** A period close: rated period P (usage in arrears), the next period's fee unless the subscription ends with P. */
    public Collected period(Subscription s, Customer customer, BillingPeriods.Period p, String interval, String invoiceId) throws SQLException {
        RatedPeriodDto rated = rating.ratedPeriod(s.customerId(), p.start());
        if (!rated.periodStart().equals(p.start())) {
            throw new IllegalStateException("rating-service rated the period starting " + rated.periodStart() + ", not " + p.start()
                    + " (plan interval mismatch?)");
        }
        InvoiceGenerator.Fee fee = null;
        Instant endsAt = s.endsAt(interval);
        if (endsAt == null || p.end().isBefore(endsAt)) {
            Subscription.PlanRef nextRef = s.planAt(p.end());
            PlanVersionDto next = rating.plan(nextRef.code(), nextRef.version());
            if (!next.currency().equals(rated.currency())) {
                throw new IllegalStateException("plan " + nextRef + " is in " + next.currency() + ", the period was rated in " + rated.currency());
            }
            BillingPeriods.Period following = BillingPeriods.containing(s.periodAnchor(), next.interval(), p.end());
            if (next.fee() != null) {
                fee = new InvoiceGenerator.Fee(next.feeDescription(), next.fee(), following.start(), following.end());
            }
        }
        InvoiceInputs inputs = new InvoiceInputs(toRated(rated), fee, taxes.forRegion(customer.region()), rated.creditsApplied());
        Subscription.PlanRef ratedPlan = rated.plan() == null ? s.planAt(p.start()) : new Subscription.PlanRef(rated.plan().code(), rated.plan().version());
        return new Collected(inputs, rated.currency(), ratedPlan, lateUsage(s.customerId(), p.start(), invoiceId, rated.currency()));
    }

    /** Re-rates the previous period and compares with what its invoice billed (plus late usage billed since). */
    LateUsage lateUsage(String customerId, Instant periodStart, String invoiceId, String currency) throws SQLException {
        Optional<Invoice> prev;
        BigDecimal already;
        try (Connection c = db.getConnection()) {
            prev = invoices.previousPeriodInvoice(c, customerId, periodStart);
            if (prev.isEmpty() || prev.get().ratedBasis() == null || !prev.get().currency().equals(currency)) {
                return null;
            }
            already = adjustments.lateUsageBilled(c, prev.get().id(), invoiceId, currency);
        }
        Invoice p = prev.get();
        RatedPeriodDto again = rating.ratedPeriod(customerId, p.periodStart());
        BigDecimal basis = InvoiceGenerator.generate(new InvoiceGenerator.Input(currency, config.rounding(), toRated(again), null,
                List.of(), BigDecimal.ZERO, null)).ratedBasis();
        BigDecimal delta = basis.subtract(p.ratedBasis()).subtract(already);
        return new LateUsage(p.id(), delta, "Late usage " + DAY.format(p.periodStart()) + " – " + DAY.format(p.periodEnd())
                + " (" + p.number() + ")");
    }

    static InvoiceGenerator.RatedPeriod toRated(RatedPeriodDto r) {
        List<InvoiceLine> lines = new ArrayList<>();
        for (RatedPeriodDto.Line l : r.lines()) {
            lines.add(new InvoiceLine(l.type(), l.description() == null ? l.type() : l.description(), l.meter(), l.quantity(),
                    l.amount() == null ? BigDecimal.ZERO : l.amount(), null, null));
        }
        return new InvoiceGenerator.RatedPeriod(r.periodStart(), r.periodEnd(), lines, r.discount(), r.minimumCommitmentTrueUp());
    }
}
