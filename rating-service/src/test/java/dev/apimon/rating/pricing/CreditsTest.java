package dev.apimon.rating.pricing;

import static dev.apimon.rating.pricing.PlanFixtures.d;
import static dev.apimon.rating.pricing.PlanFixtures.simple;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Credits are spent against subtotal - discount + true-up, in priority, then expiry, then id order. */
class CreditsTest {

    private static final Instant AT = Instant.parse("2025-03-15T00:00:00Z");

    private final PricingEngine engine = new PricingEngine(RoundingMode.HALF_UP);

    /** A plan whose only line is a 100.00 fee, so the amount due is 100.00. */
    private Quote price(CreditSource... credits) {
        PlanVersion plan = simple("USD").fee("100.00").build();
        return engine.price(new PriceRequest(plan, null, null, List.of(credits), null, null, AT));
    }

    private static CreditSource credit(String id, String remaining, int priority, Instant expiresAt) {
        return new CreditSource(id, d(remaining), priority, expiresAt);
    }

    private static Instant in(Duration d) {
        return AT.plus(d);
    }

    private static List<String> uses(Quote q) {
        return q.creditUses().stream().map(u -> u.sourceId() + "=" + u.amount().toPlainString()).toList();
    }

    @Test
    void lower_priority_is_spent_first() {
        Quote q = price(credit("promo", "50", 2, null), credit("prepaid", "30", 1, null));
        assertEquals(List.of("prepaid=30.00", "promo=50.00"), uses(q));
        assertEquals("80.00", q.creditsApplied().toPlainString());
        assertEquals("20.00", q.total().toPlainString());
    }

    @Test
    void within_a_priority_the_earliest_expiry_goes_first_and_never_expiring_last() {
        Quote q = price(
                credit("forever", "40", 1, null),
                credit("later", "40", 1, in(Duration.ofDays(10))),
                credit("sooner", "40", 1, in(Duration.ofDays(5))));
        assertEquals(List.of("sooner=40.00", "later=40.00", "forever=20.00"), uses(q));
        assertEquals("0.00", q.total().toPlainString());
    }

    @Test
    void id_breaks_remaining_ties() {
        Quote q = price(credit("b", "60", 1, null), credit("a", "60", 1, null));
        assertEquals(List.of("a=60.00", "b=40.00"), uses(q));
    }

    @Test
    void expired_sources_are_skipped_including_one_expiring_exactly_now() {
        Quote q = price(
                credit("expired", "50", 0, AT.minusSeconds(1)),
                credit("expires_now", "50", 0, AT),
                credit("valid", "30", 5, in(Duration.ofSeconds(1))));
        assertEquals(List.of("valid=30.00"), uses(q));
        assertEquals("70.00", q.total().toPlainString());
    }

    @Test
    void credits_beyond_the_amount_due_leave_a_zero_total() {
        Quote q = price(credit("big", "150", 1, null), credit("unused", "10", 2, null));
        assertEquals(List.of("big=100.00"), uses(q));
        assertEquals("100.00", q.creditsApplied().toPlainString());
        assertEquals("0.00", q.total().toPlainString());
    }

    @Test
    void credits_also_cover_the_minimum_commitment_true_up() {
        PlanVersion plan = simple("USD").fee("40.00").minimumCommitment("100.00").build();
        Quote q = engine.price(new PriceRequest(plan, null, null,
                List.of(credit("c", "500", 1, null)), null, null, AT));
        assertEquals("60.00", q.minimumCommitmentTrueUp().toPlainString());
        assertEquals("100.00", q.creditsApplied().toPlainString());
        assertEquals("0.00", q.total().toPlainString());
    }

    @Test
    void empty_or_sub_minor_unit_balances_are_not_recorded_and_balances_are_never_overspent() {
        Quote q = price(credit("empty", "0", 1, null), credit("dust", "0.004", 1, null),
                credit("odd", "10.009", 2, null));
        assertEquals(List.of("odd=10.00"), uses(q));
        assertEquals("90.00", q.total().toPlainString());
    }

    @Test
    void nothing_due_nothing_spent() {
        PlanVersion plan = simple("USD").fee("0").build();
        Quote q = engine.price(new PriceRequest(plan, null, null, List.of(credit("c", "5", 1, null)), null, null, AT));
        assertEquals(List.of(), q.creditUses());
        assertEquals("0.00", q.creditsApplied().toPlainString());
        assertEquals("0.00", q.total().toPlainString());
    }

    @Test
    void expiring_credits_need_a_pricing_instant() {
        PlanVersion plan = simple("USD").fee("10").build();
        PriceRequest req = new PriceRequest(plan, null, null,
                List.of(credit("c", "5", 1, AT)), null, null, null);
        assertThrows(IllegalArgumentException.class, () -> engine.price(req));
        BigDecimal total = engine.price(new PriceRequest(plan, null, null,
                List.of(credit("c", "5", 1, null)), null, null, null)).total();
        assertEquals("5.00", total.toPlainString());
    }
}
