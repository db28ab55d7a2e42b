package dev.apimon.key.subscriptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.key.subscriptions.domain.PlanChangeTiming;
import dev.apimon.key.subscriptions.domain.PlanChangeTiming.Effective;
import dev.apimon.key.subscriptions.domain.PlanChangeTiming.Priced;
import dev.apimon.key.subscriptions.domain.PlanRef;
import dev.apimon.key.subscriptions.domain.ScheduledChange;
import dev.apimon.key.subscriptions.domain.Subscription;
import dev.apimon.key.subscriptions.domain.SubscriptionStatus;
import dev.apimon.key.subscriptions.domain.TransitionRejected;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SubscriptionStateTest {
    static final Instant ANCHOR = Instant.parse("2026-01-31T00:00:00Z");
    static final Instant NOW = Instant.parse("2026-02-10T12:00:00Z");
    static final PlanRef FREE = new PlanRef("free", 1);
    static final PlanRef PRO = new PlanRef("pro", 3);
    static final PlanRef PRO4 = new PlanRef("pro", 4);

    static Subscription active() {
        return Subscription.start("sub_1", "cus_1", PRO, ANCHOR, NOW);
    }

    static Subscription suspended() {
        return active().suspend("admin", NOW);
    }

    static Subscription canceled() {
        return active().cancelNow(NOW);
    }

    /** Every transition from every state: the resulting status, or the problem code that rejects it. */
    static Stream<Arguments> transitions() {
        UnaryOperator<Subscription> changeNow = s -> s.changeNow(PRO4, NOW);
        UnaryOperator<Subscription> schedule = s -> s.scheduleChange(FREE, ScheduledChange.DOWNGRADE, NOW);
        UnaryOperator<Subscription> cancelAtEnd = s -> s.cancelAtPeriodEnd(NOW);
        UnaryOperator<Subscription> cancelNow = s -> s.cancelNow(NOW);
        UnaryOperator<Subscription> suspend = s -> s.suspend("admin", NOW);
        UnaryOperator<Subscription> resume = s -> s.resume(NOW);
        UnaryOperator<Subscription> reactivate = s -> s.reactivate(NOW);
        UnaryOperator<Subscription> unschedule = s -> s.unscheduleChange(NOW);
        return Stream.of(
                Arguments.of("active", active(), "changeNow", changeNow, "active"),
                Arguments.of("active", active(), "scheduleChange", schedule, "active"),
                Arguments.of("active", active(), "cancelAtPeriodEnd", cancelAtEnd, "active"),
                Arguments.of("active", active(), "cancelNow", cancelNow, "canceled"),
                Arguments.of("active", active(), "suspend", suspend, "suspended"),
                Arguments.of("active", active(), "resume", resume, "active"),
                Arguments.of("active", active(), "reactivate", reactivate, "NOT_CANCELING"),
                Arguments.of("active", active(), "unscheduleChange", unschedule, "NO_SCHEDULED_CHANGE"),
                Arguments.of("active", active(), "changeNow to same plan", (UnaryOperator<Subscription>) s -> s.changeNow(PRO, NOW), "PLAN_UNCHANGED"),
                Arguments.of("canceling", active().cancelAtPeriodEnd(NOW), "scheduleChange", schedule, "CANCELLATION_PENDING"),
                Arguments.of("canceling", active().cancelAtPeriodEnd(NOW), "reactivate", reactivate, "active"),
                Arguments.of("suspended", suspended(), "changeNow", changeNow, "suspended"),
                Arguments.of("suspended", suspended(), "suspend", suspend, "suspended"),
                Arguments.of("suspended", suspended(), "resume", resume, "active"),
                Arguments.of("suspended", suspended(), "cancelNow", cancelNow, "canceled"),
                Arguments.of("canceled", canceled(), "changeNow", changeNow, "SUBSCRIPTION_CANCELED"),
                Arguments.of("canceled", canceled(), "scheduleChange", schedule, "SUBSCRIPTION_CANCELED"),
                Arguments.of("canceled", canceled(), "cancelNow", cancelNow, "SUBSCRIPTION_CANCELED"),
                Arguments.of("canceled", canceled(), "suspend", suspend, "SUBSCRIPTION_CANCELED"),
                Arguments.of("canceled", canceled(), "resume", resume, "SUBSCRIPTION_CANCELED"));
    }

    @ParameterizedTest(name = "{0} --{2}--> {4}")
    @MethodSource("transitions")
    void stateMachine(String from, Subscription s, String transition, UnaryOperator<Subscription> t, String expected) {
        if (expected.equals(expected.toUpperCase())) {
            TransitionRejected e = assertThrows(TransitionRejected.class, () -> t.apply(s));
            assertEquals(expected, e.code());
        } else {
            assertEquals(SubscriptionStatus.fromWire(expected), t.apply(s).status());
        }
    }

    @Test
    void idempotentTransitionsReturnTheSameValue() {
        Subscription s = suspended();
        assertSame(s, s.suspend("other", NOW.plusSeconds(5)));
        Subscription a = active();
        assertSame(a, a.resume(NOW));
        Subscription c = a.cancelAtPeriodEnd(NOW);
        assertSame(c, c.cancelAtPeriodEnd(NOW.plusSeconds(9)));
    }

    @Test
    void upgradeAppliesNowAndRecordsWhen_downgradeWaitsForThePeriodEnd() {
        Subscription s = active().scheduleChange(FREE, ScheduledChange.DOWNGRADE, NOW);
        assertEquals(Instant.parse("2026-02-28T00:00:00Z"), s.scheduledChange().at());
        assertEquals(PRO, s.plan());
        Instant later = NOW.plus(Duration.ofDays(2));
        Subscription up = s.changeNow(PRO4, later);
        assertEquals(PRO4, up.plan());
        assertEquals(later, up.changedAt());
        assertNull(up.scheduledChange(), "an upgrade supersedes the pending downgrade");
        assertEquals(s.currentPeriod(), up.currentPeriod(), "the period (and its anchor) does not move");
    }

    @Test
    void advanceRollsPeriodsAppliesTheScheduledChangeAtTheBoundaryThenCancels() {
        Subscription s = active().scheduleChange(FREE, ScheduledChange.DOWNGRADE, NOW);
        assertTrue(s.advance(Instant.parse("2026-02-27T23:59:59Z")).isEmpty(), "nothing is due before the boundary");

        List<Subscription.Step> steps = s.advance(Instant.parse("2026-04-01T00:00:00Z"));
        assertEquals(List.of("scheduled_change_applied", "renewed"), steps.stream().map(Subscription.Step::action).toList());
        assertEquals(List.of(Instant.parse("2026-03-31T00:00:00Z"), Instant.parse("2026-04-30T00:00:00Z")),
                steps.stream().map(st -> st.after().currentPeriod().end()).toList(), "Feb 28 -> Mar 31 -> Apr 30: back on the 31st");
        Subscription after = steps.get(1).after();
        assertEquals(FREE, after.plan());
        assertEquals(Instant.parse("2026-02-28T00:00:00Z"), after.changedAt());
        assertTrue(after.advance(Instant.parse("2026-04-01T00:00:00Z")).isEmpty(), "applying again changes nothing");

        Subscription canceling = after.cancelAtPeriodEnd(Instant.parse("2026-04-02T00:00:00Z"));
        List<Subscription.Step> end = canceling.advance(Instant.parse("2026-09-01T00:00:00Z"));
        assertEquals(1, end.size(), "a canceled subscription stops renewing");
        assertEquals("canceled", end.get(0).action());
        assertEquals(SubscriptionStatus.CANCELED, end.get(0).after().status());
        assertEquals(Instant.parse("2026-04-30T00:00:00Z"), end.get(0).after().canceledAt());
    }

    @Test
    void dunningLiftsOnlyWhatDunningDid() {
        Subscription byDunning = active().suspend(Subscription.REASON_DUNNING, NOW);
        assertEquals(SubscriptionStatus.ACTIVE, byDunning.paymentRecovered(NOW).status());
        Subscription byAdmin = active().suspend("fraud review", NOW);
        assertEquals(SubscriptionStatus.SUSPENDED, byAdmin.paymentRecovered(NOW).status(), "a payment never lifts an admin's suspension");

        Subscription down = active().dunningDowngrade(FREE, NOW);
        assertEquals(FREE, down.plan());
        assertEquals(PRO, down.restorePlan());
        assertSame(down, down.dunningDowngrade(FREE, NOW), "already on the fallback plan");
        Subscription back = down.paymentRecovered(NOW.plusSeconds(60));
        assertEquals(PRO, back.plan());
        assertNull(back.restorePlan());
        assertEquals(NOW.plusSeconds(60), back.changedAt());
    }

    @Test
    void theAnchorCannotBeInTheFuture() {
        assertThrows(IllegalArgumentException.class, () -> Subscription.start("s", "c", PRO, NOW.plusSeconds(1), NOW));
        Subscription backdated = Subscription.start("s", "c", PRO, Instant.parse("2025-11-30T00:00:00Z"), NOW);
        assertEquals(Instant.parse("2026-01-30T00:00:00Z"), backdated.currentPeriod().start());
        assertEquals(Instant.parse("2026-02-28T00:00:00Z"), backdated.currentPeriod().end());
        assertFalse(backdated.cancelAtPeriodEnd());
    }

    static Stream<Arguments> timings() {
        Priced usd49 = new Priced("USD", new BigDecimal("49.00"));
        Priced usd9 = new Priced("USD", new BigDecimal("9.00"));
        Priced usd49b = new Priced("USD", new BigDecimal("49"));
        Priced eur9 = new Priced("EUR", new BigDecimal("9.00"));
        Priced unpriced = new Priced(null, null);
        return Stream.of(
                Arguments.of(usd9, usd49, null, "NOW"),
                Arguments.of(usd49, usd9, null, "PERIOD_END"),
                Arguments.of(usd49, usd49b, null, "NOW"),
                Arguments.of(usd49, usd9, Effective.NOW, "NOW"),
                Arguments.of(usd9, usd49, Effective.PERIOD_END, "PERIOD_END"),
                Arguments.of(unpriced, usd9, null, "NOW"),
                Arguments.of(usd49, eur9, null, "ERROR"),
                Arguments.of(usd49, eur9, Effective.PERIOD_END, "PERIOD_END"));
    }

    @ParameterizedTest(name = "{0} -> {1}, requested {2}: {3}")
    @MethodSource("timings")
    void upgradesApplyNowDowngradesAtPeriodEnd(Priced from, Priced to, Effective requested, String expected) {
        if (expected.equals("ERROR")) {
            assertThrows(IllegalArgumentException.class, () -> PlanChangeTiming.decide(requested, from, to));
        } else {
            assertEquals(Effective.valueOf(expected), PlanChangeTiming.decide(requested, from, to));
        }
    }
}
