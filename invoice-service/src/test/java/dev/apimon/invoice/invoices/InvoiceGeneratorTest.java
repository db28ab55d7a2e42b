package dev.apimon.invoice.invoices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.invoice.invoices.domain.InvoiceGenerator;
import dev.apimon.invoice.invoices.domain.InvoiceGenerator.Adjustment;
import dev.apimon.invoice.invoices.domain.InvoiceGenerator.Fee;
import dev.apimon.invoice.invoices.domain.InvoiceGenerator.Input;
import dev.apimon.invoice.invoices.domain.InvoiceGenerator.RatedPeriod;
import dev.apimon.invoice.invoices.domain.InvoiceGenerator.Result;
import dev.apimon.invoice.invoices.domain.InvoiceGenerator.Tax;
import dev.apimon.invoice.invoices.domain.InvoiceLine;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven: each row is the inputs of one invoice and every line, subtotal, tax and total it must produce. */
class InvoiceGeneratorTest {
    private static final Instant OCT = Instant.parse("2026-10-01T00:00:00Z");
    private static final Instant NOV = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant DEC = Instant.parse("2026-12-01T00:00:00Z");
    private static final Tax GB = new Tax("GB", new BigDecimal("0.20"));

    record Case(String name, Input input, List<String> lines, String subtotal, String tax, String total, String credits,
                String carried, String basis) {
        @Override
        public String toString() {
            return name;
        }
    }

    static BigDecimal d(String s) {
        return new BigDecimal(s);
    }

    static InvoiceLine rated(String type, String description, String meter, String quantity, String amount) {
        return new InvoiceLine(type, description, meter, quantity == null ? null : d(quantity), d(amount), null, null);
    }

    static RatedPeriod period(String discount, String trueUp, InvoiceLine... lines) {
        return new RatedPeriod(OCT, NOV, List.of(lines), d(discount), d(trueUp));
    }

    static Fee proFee(String amount) {
        return new Fee("Pro monthly fee", d(amount), NOV, DEC);
    }

    static Input in(String currency, RatedPeriod rated, Fee fee, List<Adjustment> adj, String credits, Tax tax) {
        return new Input(currency, RoundingMode.HALF_UP, rated, fee, adj, d(credits), tax);
    }

    static Stream<Arguments> cases() {
        InvoiceLine fee49 = rated("fee", "Pro monthly fee", null, null, "49.00");
        InvoiceLine calls = rated("usage", "api_calls usage", "api_calls", "15000", "25.00");
        InvoiceLine images = rated("usage", "images usage", "images", "12", "1.20");
        return Stream.of(
                new Case("opening invoice: first period's fee in advance + 20% GB tax",
                        in("USD", null, new Fee("Pro monthly fee", d("49.00"), OCT, NOV), List.of(), "0", GB),
                        List.of("fee|Pro monthly fee|49.00", "tax|Tax 20% (GB)|9.80"), "49.00", "9.80", "58.80", "0.00", "0.00", "0.00"),
                new Case("period close: usage in arrears, commitment true-up, credits, next fee, tax",
                        in("USD", period("0.00", "24.80", fee49, calls, images), proFee("49.00"), List.of(), "10.00", GB),
                        List.of("fee|Pro monthly fee|49.00", "usage|api_calls usage|25.00", "usage|images usage|1.20",
                                "minimum_commitment|Minimum commitment true-up|24.80", "credit|Credits applied|-10.00", "tax|Tax 20% (GB)|18.00"),
                        "90.00", "18.00", "108.00", "10.00", "0.00", "51.00"),
                new Case("discount is its own negative line and part of the rated basis",
                        in("USD", period("9.90", "0.00", rated("fee", "Scale monthly fee", null, null, "99.00"),
                                rated("usage", "api_calls usage", "api_calls", "5000", "0.00")), proFee("99.00"), List.of(), "0", null),
                        List.of("fee|Pro monthly fee|99.00", "usage|api_calls usage|0.00", "discount|Discount|-9.90"),
                        "89.10", "0.00", "89.10", "0.00", "0.00", "-9.90"),
                new Case("proration lines (credit unused old fee, charge new fee pro rata) come after usage",
                        in("USD", period("0.00", "0.00", rated("proration", "Unused time on Pro v1", null, null, "-24.50"), calls,
                                rated("proration", "Remaining time on Scale v1", null, null, "49.50")), proFee("99.00"), List.of(), "0", GB),
                        List.of("fee|Pro monthly fee|99.00", "usage|api_calls usage|25.00", "proration|Unused time on Pro v1|-24.50",
                                "proration|Remaining time on Scale v1|49.50", "tax|Tax 20% (GB)|29.80"),
                        "149.00", "29.80", "178.80", "0.00", "0.00", "50.00"),
                new Case("credits never exceed what is due; the preview is capped",
                        in("USD", period("0.00", "0.00", calls), null, List.of(), "80.00", GB),
                        List.of("usage|api_calls usage|25.00", "credit|Credits applied|-25.00", "tax|Tax 20% (GB)|0.00"),
                        "0.00", "0.00", "0.00", "25.00", "0.00", "25.00"),
                new Case("a negative invoice carries its balance forward and is taxed on zero",
                        in("USD", period("0.00", "0.00", rated("proration", "Unused time on Scale v1", null, null, "-60.00")), null,
                                List.of(new Adjustment("Credit note CN-2026-000001 (INV-2026-000007)", d("-5"))), "0", GB),
                        List.of("proration|Unused time on Scale v1|-60.00", "adjustment|Credit note CN-2026-000001 (INV-2026-000007)|-5.00",
                                "balance|Credit balance carried to the next invoice|65.00", "tax|Tax 20% (GB)|0.00"),
                        "0.00", "0.00", "0.00", "0.00", "65.00", "-60.00"),
                new Case("late usage and an earlier balance are adjustment lines; the subscription ends (no next fee)",
                        in("USD", period("0.00", "0.00", rated("usage", "api_calls usage", "api_calls", "0", "0")), null,
                                List.of(new Adjustment("Late usage 2026-09-01 – 2026-10-01 (INV-2026-000003)", d("26.00")),
                                        new Adjustment("Credit balance from INV-2026-000004", d("-6.5"))), "0", GB),
                        List.of("usage|api_calls usage|0.00", "adjustment|Late usage 2026-09-01 – 2026-10-01 (INV-2026-000003)|26.00",
                                "adjustment|Credit balance from INV-2026-000004|-6.50", "tax|Tax 20% (GB)|3.90"),
                        "19.50", "3.90", "23.40", "0.00", "0.00", "0.00"),
                new Case("zero amount: free plan without usage",
                        in("USD", period("0.00", "0.00", rated("fee", "Free monthly fee", null, null, "0.00")), new Fee("Free monthly fee", d("0"), NOV, DEC),
                                List.of(), "0", GB),
                        List.of("fee|Free monthly fee|0.00", "tax|Tax 20% (GB)|0.00"), "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"),
                new Case("tax rounds once, HALF_UP: 20% of 0.63 = 0.126 → 0.13",
                        in("USD", null, new Fee("Tiny fee", d("0.63"), OCT, NOV), List.of(), "0", GB),
                        List.of("fee|Tiny fee|0.63", "tax|Tax 20% (GB)|0.13"), "0.63", "0.13", "0.76", "0.00", "0.00", "0.00"),
                new Case("JPY has no minor units: 10% of 1235 = 123.5 → 124",
                        in("JPY", null, new Fee("Pro monthly fee", d("1235"), OCT, NOV), List.of(), "0", new Tax("JP", d("0.10"))),
                        List.of("fee|Pro monthly fee|1235", "tax|Tax 10% (JP)|124"), "1235", "124", "1359", "0", "0", "0"),
                new Case("KWD has three: 5% of 10.001 = 0.50005 → 0.500",
                        in("KWD", null, new Fee("Pro monthly fee", d("10.001"), OCT, NOV), List.of(), "0", new Tax("KW", d("0.05"))),
                        List.of("fee|Pro monthly fee|10.001", "tax|Tax 5% (KW)|0.500"), "10.001", "0.500", "10.501", "0.000", "0.000", "0.000"),
                new Case("unrounded rated amounts are rounded once per line, never summed first",
                        in("USD", period("0", "0", rated("usage", "a", "a", "1", "0.005"), rated("usage", "b", "b", "1", "0.005")),
                                null, List.of(), "0", null),
                        List.of("usage|a|0.01", "usage|b|0.01"), "0.02", "0.00", "0.02", "0.00", "0.00", "0.02"),
                new Case("credits with more decimals than the currency are floored, never overspent",
                        in("USD", null, new Fee("Pro monthly fee", d("49.00"), OCT, NOV), List.of(), "10.009", null),
                        List.of("fee|Pro monthly fee|49.00", "credit|Credits applied|-10.00"), "39.00", "0.00", "39.00", "10.00", "0.00", "0.00")
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void generatesExactLinesAndTotals(Case c) {
        Result r = InvoiceGenerator.generate(c.input());
        List<String> got = new ArrayList<>();
        for (InvoiceLine l : r.lines()) {
            got.add(l.type() + "|" + l.description() + "|" + l.amount().toPlainString());
        }
        assertEquals(c.lines(), got, "lines");
        assertEquals(c.subtotal(), r.subtotal().toPlainString(), "subtotal");
        assertEquals(c.tax(), r.tax().toPlainString(), "tax");
        assertEquals(c.total(), r.total().toPlainString(), "total");
        assertEquals(c.credits(), r.creditsApplied().toPlainString(), "credits applied");
        assertEquals(c.carried(), r.carriedForward().toPlainString(), "carried forward");
        assertEquals(c.basis(), r.ratedBasis().toPlainString(), "rated basis");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isDeterministicAndTotalIsTheSumOfRoundedLines(Case c) {
        Result a = InvoiceGenerator.generate(c.input());
        Result b = InvoiceGenerator.generate(c.input());
        assertEquals(a, b);
        BigDecimal sum = a.lines().stream().map(InvoiceLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertEquals(0, sum.compareTo(a.total()), "total = sum of lines");
    }
}
