package dev.apimon.invoice.billingruns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.invoice.billingruns.domain.BillingScheduler;
import dev.apimon.invoice.support.Fixtures;
import dev.apimon.invoice.support.Rating;
import dev.apimon.invoice.support.StandIns;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the invoice agree to the cent: for each closed period, the finalized invoice's total equals the
 * total of the last {@code billing.spend} snapshot of that period (the document rating-service also serves as the
 * rated period) — although the invoice bills the fee in advance and the snapshot counts it in the period, with a
 * minimum-commitment true-up, credits and a discount in play. The customer's region has no tax rate.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class DashboardAgreementTest {
    @Inject
    MutableClock clock;
    @Inject
    BillingScheduler scheduler;
    @Inject
    AgroalDataSource db;

    @AfterEach
    void reset() {
        clock.reset();
    }

    @Test
    void finalizedInvoiceTotalEqualsTheLastSpendSnapshotOfThePeriod() throws Exception {
        String cus = "cus_agree_" + System.nanoTime();
        String plan = "pro-" + System.nanoTime();
        Rating.plan(plan, 1, "Pro", "49.00");
        clock.set(Instant.parse("2026-09-15T00:00:00Z"));
        Fixtures.subscribe(db, cus, "US", plan, "2026-09-15T00:00:00Z", "2026-10-15T00:00:00Z");
        scheduler.tick();

        // period 1: usage below the 100.00 commitment, 10.00 of credits — the last billing.spend snapshot says 90.00
        Rating.Period september = Rating.period(cus, "2026-09-15T00:00:00Z", "2026-10-15T00:00:00Z").plan(plan, 1)
                .fee("Pro monthly fee", "49.00").usage("api_calls", "15000", "25.00")
                .totals("74.00", "0.00", "26.00", "10.00", "90.00");
        Rating.rated(september);
        Rating.consumes(cus, "10.00");
        clock.set(Instant.parse("2026-10-15T01:00:00Z"));
        scheduler.tick();
        JsonPath first = Fixtures.invoice((String) Fixtures.invoices(cus).get(1).get("id"));
        assertEquals("finalized", first.getString("status"));
        assertEquals(september.total(), first.getString("total"));
        assertEquals("90.00", first.getString("total"));

        // period 2: heavy usage, a 10% discount, no credits left — the snapshot says 179.10
        Rating.Period october = Rating.period(cus, "2026-10-15T00:00:00Z", "2026-11-15T00:00:00Z").plan(plan, 1)
                .fee("Pro monthly fee", "49.00").usage("api_calls", "40000", "150.00")
                .totals("199.00", "19.90", "0.00", "0.00", "179.10");
        Rating.rated(october);
        clock.set(Instant.parse("2026-11-15T01:00:00Z"));
        scheduler.tick();
        JsonPath second = Fixtures.invoice((String) Fixtures.invoices(cus).get(2).get("id"));
        assertEquals(october.total(), second.getString("total"));
        assertEquals(List.of("fee|Pro monthly fee|49.00", "usage|api_calls usage|150.00", "discount|Discount|-19.90"), Fixtures.lines(second));
        assertEquals("0.00", second.getString("tax"));
    }
}
