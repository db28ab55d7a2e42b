package dev.apimon.invoice.invoices.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns the inputs of one invoice into its lines and totals. Pure and deterministic (no framework, no I/O, no
 * clock): the same inputs always give the same invoice, which is what makes a draft's refresh at finalization and
 * the golden tests trustworthy.
 *
 * <p>Billing model (Stripe's): the recurring fee is billed in advance, usage in arrears. The invoice that closes
 * period P therefore carries P's usage, proration, discount and minimum-commitment true-up (all from rating's
 * rated period of P, whose own fee line was billed one invoice earlier) plus the fee of the next period; the very
 * first period's fee is billed by the subscription's opening invoice.
 *
 * <p>Order: fee → usage → proration → discount → minimum commitment → adjustments, then credits (never more than
 * what is due), a carried-forward balance if the invoice would be negative, then tax on what remains. Every amount
 * is rounded once, per line, to the currency's minor units; totals are sums of rounded lines.
 */
public final class InvoiceGenerator {
    private InvoiceGenerator() {
    }

    /** Rating's rated period: its lines (fee lines are ignored: billed in advance), discount and true-up. */
    public record RatedPeriod(Instant periodStart, Instant periodEnd, List<InvoiceLine> lines, BigDecimal discount,
                              BigDecimal minimumCommitmentTrueUp) {
    }

    /** The recurring fee billed in advance, for the service period it pays. */
    public record Fee(String description, BigDecimal amount, Instant periodStart, Instant periodEnd) {
    }

    /** A correction taken onto this invoice as its own line (late usage, credit note, balance, manual line). */
    public record Adjustment(String description, BigDecimal amount) {
    }

    /** A tax rate (0.20 = 20%) for the customer's region. */
    public record Tax(String region, BigDecimal rate) {
    }

    /**
     * @param rated            the rated period this invoice closes; null for an opening invoice
     * @param nextFee          the fee in advance; null when the subscription ends with this period
     * @param creditsAvailable credits that may be applied (rating's preview on a draft, what was burnt at finalization)
     * @param tax              null when the region has no configured rate
     */
    public record Input(String currency, RoundingMode rounding, RatedPeriod rated, Fee nextFee, List<Adjustment> adjustments,
                        BigDecimal creditsAvailable, Tax tax) {
        public Input {
            Objects.requireNonNull(currency, "currency");
            rounding = rounding == null ? RoundingMode.HALF_UP : rounding;
            adjustments = adjustments == null ? List.of() : List.copyOf(adjustments);
            creditsAvailable = creditsAvailable == null ? BigDecimal.ZERO : creditsAvailable;
        }
    }

    /**
     * @param subtotal       sum of every line but tax (after discount, true-up, adjustments and credits)
     * @param creditsApplied credits this invoice uses (to burn at finalization)
     * @param carriedForward a positive amount owed to the customer, to deduct from the next invoice
     * @param ratedBasis     what this invoice billed of the rated period (usage + proration − discount + true-up):
     *                       compared with a later re-rating to find usage that arrived after finalization
     */
    public record Result(List<InvoiceLine> lines, BigDecimal subtotal, BigDecimal tax, BigDecimal total, BigDecimal creditsApplied,
                         BigDecimal carriedForward, BigDecimal ratedBasis) {
    }

    public static Result generate(Input in) {
        Money money = new Money(in.currency(), in.rounding());
        List<InvoiceLine> lines = new ArrayList<>();

        if (in.nextFee() != null) {
            lines.add(new InvoiceLine(InvoiceLine.FEE, in.nextFee().description(), null, null, money.round(in.nextFee().amount()),
                    in.nextFee().periodStart(), in.nextFee().periodEnd()));
        }

        BigDecimal basis = money.zero();
        if (in.rated() != null) {
            RatedPeriod r = in.rated();
            List<InvoiceLine> usage = new ArrayList<>();
            List<InvoiceLine> proration = new ArrayList<>();
            for (InvoiceLine l : r.lines()) {
                if (InvoiceLine.FEE.equals(l.type())) {
                    continue; // billed in advance by the previous invoice
                }
                InvoiceLine rounded = new InvoiceLine(l.type(), l.description(), l.meter(), l.quantity(), money.round(l.amount()),
                        r.periodStart(), r.periodEnd());
                (InvoiceLine.PRORATION.equals(l.type()) ? proration : usage).add(rounded);
            }
            List<InvoiceLine> fromRating = new ArrayList<>(usage);
            fromRating.addAll(proration);
            BigDecimal discount = r.discount() == null ? money.zero() : money.round(r.discount());
            if (discount.signum() != 0) {
                fromRating.add(new InvoiceLine(InvoiceLine.DISCOUNT, "Discount", null, null, discount.negate(), r.periodStart(), r.periodEnd()));
            }
            BigDecimal trueUp = r.minimumCommitmentTrueUp() == null ? money.zero() : money.round(r.minimumCommitmentTrueUp());
            if (trueUp.signum() != 0) {
                fromRating.add(new InvoiceLine(InvoiceLine.MINIMUM_COMMITMENT, "Minimum commitment true-up", null, null, trueUp,
                        r.periodStart(), r.periodEnd()));
            }
            lines.addAll(fromRating);
            basis = sum(fromRating, money);
        }

        for (Adjustment a : in.adjustments()) {
            lines.add(new InvoiceLine(InvoiceLine.ADJUSTMENT, a.description(), null, null, money.round(a.amount()), null, null));
        }

        BigDecimal due = sum(lines, money);
        BigDecimal available = money.floor(in.creditsAvailable().max(BigDecimal.ZERO)); // never apply more than exists
        BigDecimal credits = available.min(due.max(money.zero()));
        if (credits.signum() > 0) {
            lines.add(new InvoiceLine(InvoiceLine.CREDIT, "Credits applied", null, null, credits.negate(), null, null));
        }
        BigDecimal afterCredits = due.subtract(credits);
        BigDecimal carried = money.zero();
        if (afterCredits.signum() < 0) {
            carried = afterCredits.negate();
            lines.add(new InvoiceLine(InvoiceLine.BALANCE, "Credit balance carried to the next invoice", null, null, carried, null, null));
            afterCredits = money.zero();
        }

        BigDecimal subtotal = afterCredits;
        BigDecimal tax = money.zero();
        if (in.tax() != null && in.tax().rate() != null && in.tax().rate().signum() > 0) {
            tax = money.round(subtotal.multiply(in.tax().rate()));
            lines.add(new InvoiceLine(InvoiceLine.TAX, taxDescription(in.tax()), null, null, tax, null, null));
        }
        return new Result(List.copyOf(lines), subtotal, tax, subtotal.add(tax), credits, carried, basis);
    }

    static String taxDescription(Tax tax) {
        String percent = tax.rate().movePointRight(2).stripTrailingZeros().toPlainString();
        return "Tax " + percent + "%" + (tax.region() == null ? "" : " (" + tax.region() + ")");
    }

    private static BigDecimal sum(List<InvoiceLine> lines, Money money) {
        BigDecimal s = money.zero();
        for (InvoiceLine l : lines) {
            s = s.add(l.amount());
        }
        return s;
    }
}
