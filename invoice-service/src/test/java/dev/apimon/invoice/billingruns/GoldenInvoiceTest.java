package dev.apimon.invoice.billingruns;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.invoice.billingruns.domain.BillingRun;
import dev.apimon.invoice.billingruns.domain.BillingScheduler;
import dev.apimon.invoice.support.Fixtures;
import dev.apimon.invoice.support.Kafka;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Golden invoices: one GB customer (20% VAT) is moved through four periods by the clock and the scheduler — opening
 * fee in advance; usage, minimum commitment and credits with a late event inside the grace window; a mid-period
 * upgrade (proration), a discount and usage that arrived after finalization; a cancellation that ends with a
 * zero-amount invoice — and every line of every invoice is compared with exact amounts.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class GoldenInvoiceTest {
    static final String OCT = "2026-10-01T00:00:00Z";
    static final String NOV = "2026-11-01T00:00:00Z";
    static final String DEC = "2026-12-01T00:00:00Z";
    static final String JAN = "2027-01-01T00:00:00Z";
    static final String FEB = "2027-02-01T00:00:00Z";

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

    private String cus;

    /** One scheduler tick at that instant (the run covers every subscription; this test looks at its customer's part). */
    private BillingRun tickAt(String instant) throws Exception {
        clock.set(Instant.parse(instant));
        BillingRun run = scheduler.tick().orElseThrow();
        assertEquals(List.of(), run.errors().stream().filter(e -> cus.equals(e.customerId())).toList(), "billing run errors");
        return run;
    }

    @Test
    void fourPeriodsOfOneCustomer_everyLineExact() throws Exception {
        cus = "cus_gold_" + System.nanoTime();
        String pro = "pro-" + System.nanoTime();
        String scale = "scale-" + System.nanoTime();
        Rating.plan(pro, 1, "Pro", "49.00");
        Rating.plan(scale, 1, "Scale", "99.00");
        clock.set(Instant.parse(OCT));
        Fixtures.subscribe(db, cus, "GB", pro, OCT, NOV);

        // 1. the anchor passes: the opening invoice bills October's fee in advance, finalized at once
        tickAt(OCT);
        List<Map<String, Object>> list = Fixtures.invoices(cus);
        assertEquals(1, list.size());
        JsonPath opening = Fixtures.invoice((String) list.get(0).get("id"));
        assertEquals("opening", opening.getString("kind"));
        assertEquals("finalized", opening.getString("status"));
        assertEquals(List.of("fee|Pro monthly fee|49.00", "tax|Tax 20% (GB)|9.80"), Fixtures.lines(opening));
        assertEquals(OCT, opening.getString("lines[0].period_start"));
        assertEquals(NOV, opening.getString("lines[0].period_end"));
        assertEquals("49.00", opening.getString("subtotal"));
        assertEquals("9.80", opening.getString("tax"));
        assertEquals("58.80", opening.getString("total"));
        String n1 = opening.getString("number");
        assertTrue(n1.matches("INV-2026-\\d{6}"), n1);

        // 2. October closes at its end: a draft with October's usage (arrears) and November's fee (advance)
        Rating.rated(Rating.period(cus, OCT, NOV).plan(pro, 1).fee("Pro monthly fee", "49.00")
                .usage("api_calls", "15000", "25.00").usage("images", "12", "1.20")
                .totals("75.20", "0.00", "24.80", "10.00", "90.00"));
        Rating.consumes(cus, "10.00");
        tickAt(NOV);
        String octId = (String) Fixtures.invoices(cus).get(1).get("id");
        JsonPath draft = Fixtures.invoice(octId);
        assertEquals("draft", draft.getString("status"));
        assertNull(draft.getString("number"));
        assertEquals(List.of("fee|Pro monthly fee|49.00", "usage|api_calls usage|25.00", "usage|images usage|1.20",
                "minimum_commitment|Minimum commitment true-up|24.80", "credit|Credits applied|-10.00", "tax|Tax 20% (GB)|18.00"),
                Fixtures.lines(draft));
        assertEquals("108.00", draft.getString("total"));

        // an image event for October arrives late, inside the grace window: rating now counts 20 images
        Rating.rated(Rating.period(cus, OCT, NOV).plan(pro, 1).fee("Pro monthly fee", "49.00")
                .usage("api_calls", "15000", "25.00").usage("images", "20", "2.00")
                .totals("76.00", "0.00", "24.00", "10.00", "90.00"));
        tickAt("2026-11-01T00:30:00Z");
        assertEquals("draft", Fixtures.invoice(octId).getString("status"), "the grace window keeps it a draft");

        tickAt("2026-11-01T01:00:00Z");
        JsonPath oct = Fixtures.invoice(octId);
        assertEquals("finalized", oct.getString("status"));
        assertEquals(List.of("fee|Pro monthly fee|49.00", "usage|api_calls usage|25.00", "usage|images usage|2.00",
                "minimum_commitment|Minimum commitment true-up|24.00", "credit|Credits applied|-10.00", "tax|Tax 20% (GB)|18.00"),
                Fixtures.lines(oct));
        assertEquals("20", oct.getString("lines[2].quantity"));
        assertEquals("images", oct.getString("lines[2].meter"));
        assertEquals(NOV, oct.getString("lines[0].period_start"));
        assertEquals(DEC, oct.getString("lines[0].period_end"));
        assertEquals(OCT, oct.getString("period_start"));
        assertEquals(NOV, oct.getString("period_end"));
        assertEquals("90.00", oct.getString("subtotal"));
        assertEquals("18.00", oct.getString("tax"));
        assertEquals("108.00", oct.getString("total"));
        assertEquals("10.00", oct.getString("credits_applied"));
        String n2 = oct.getString("number");
        assertTrue(n2.compareTo(n1) > 0, n1 + " then " + n2);
        Fixtures.assertGapFree(db, "INV", 2026);
        // the credits were burnt once, for this invoice, for exactly what it applied
        StandIns.rating().verify(1, postRequestedFor(urlEqualTo("/v1/customers/" + cus + "/credits/consumptions"))
                .withRequestBody(equalToJson("{\"amount\":\"10.00\",\"currency\":\"USD\",\"reference\":\"" + octId + "\"}")));

        // 3. November: upgrade to Scale on the 16th (proration), a 10% discount, and more October usage arrives late
        Kafka.send("subscriptions.events", cus, "com.apimon.subscription.changed",
                Kafka.subscription(cus, scale, 1, OCT, NOV, DEC, "2026-11-16T00:00:00Z"));
        Fixtures.awaitSubscription(db, cus, scale, false);
        Rating.rated(Rating.period(cus, NOV, DEC).plan(scale, 1).fee("Scale monthly fee", "99.00")
                .usage("api_calls", "5000", "0.00")
                .proration("Unused time on Pro v1 after 2026-11-16T00:00:00Z", "-24.50")
                .proration("Remaining time on Scale v1 from 2026-11-16T00:00:00Z", "49.50")
                .totals("99.00", "9.90", "0.00", "0.00", "114.10"));
        Rating.rated(Rating.period(cus, OCT, NOV).plan(pro, 1).fee("Pro monthly fee", "49.00")
                .usage("api_calls", "25000", "75.00").usage("images", "20", "2.00")
                .totals("126.00", "0.00", "0.00", "0.00", "126.00"));
        tickAt("2026-12-01T01:00:00Z");
        String novId = (String) Fixtures.invoices(cus).get(2).get("id");
        JsonPath nov = Fixtures.invoice(novId);
        assertEquals("finalized", nov.getString("status"), "past its grace window already: drafted and finalized in one run");
        assertEquals(List.of("fee|Scale monthly fee|99.00", "usage|api_calls usage|0.00",
                "proration|Unused time on Pro v1 after 2026-11-16T00:00:00Z|-24.50",
                "proration|Remaining time on Scale v1 from 2026-11-16T00:00:00Z|49.50", "discount|Discount|-9.90",
                "adjustment|Late usage 2026-10-01 – 2026-11-01 (" + n2 + ")|26.00", "tax|Tax 20% (GB)|28.02"), Fixtures.lines(nov));
        assertEquals("140.10", nov.getString("subtotal"));
        assertEquals("28.02", nov.getString("tax"));
        assertEquals("168.12", nov.getString("total"));
        assertEquals(DEC, nov.getString("lines[0].period_start"));
        assertEquals(JAN, nov.getString("lines[0].period_end"));
        Fixtures.assertGapFree(db, "INV", 2026);
        // the October invoice itself never changed
        assertEquals("108.00", Fixtures.invoice(octId).getString("total"));

        // 4. December: the customer cancels at period end; nothing was used, so the last invoice is zero and paid
        Map<String, Object> canceling = Kafka.subscription(cus, scale, 1, OCT, DEC, JAN, "2026-11-16T00:00:00Z");
        canceling.put("cancel_at_period_end", true);
        Kafka.send("subscriptions.events", cus, "com.apimon.subscription.changed", canceling);
        Fixtures.awaitSubscription(db, cus, scale, true);
        Rating.rated(Rating.period(cus, DEC, JAN).plan(scale, 1).fee("Scale monthly fee", "99.00").usage("api_calls", "0", "0.00")
                .totals("99.00", "0.00", "0.00", "0.00", "99.00"));
        tickAt("2027-01-01T01:00:00Z");
        String decId = (String) Fixtures.invoices(cus).get(3).get("id");
        JsonPath dec = Fixtures.invoice(decId);
        assertEquals(List.of("usage|api_calls usage|0.00", "tax|Tax 20% (GB)|0.00"), Fixtures.lines(dec), "no fee in advance: it ends");
        assertEquals("0.00", dec.getString("total"));
        assertEquals("paid", dec.getString("status"), "zero amount: paid without Stripe");
        assertTrue(dec.getString("number").startsWith("INV-2027-"), "numbers restart per year: " + dec.getString("number"));
        Fixtures.assertGapFree(db, "INV", 2027);
        assertEquals(List.of(), dec.getList("stripe_sync"), "Stripe is never asked for a zero invoice");

        // the subscription is over: later runs invoice nothing more
        tickAt("2027-03-01T02:00:00Z");
        assertEquals(4, Fixtures.invoices(cus).size());

        // billing.invoices carried every finalization, and the zero invoice's payment
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(
                List.of("com.apimon.invoice.finalized", "com.apimon.invoice.finalized", "com.apimon.invoice.finalized",
                        "com.apimon.invoice.finalized", "com.apimon.invoice.paid"),
                Kafka.types("billing.invoices", cus)));
        var events = Kafka.read("billing.invoices", cus);
        assertEquals(octId, events.get(1).payload().get("id").asText());
        assertEquals(n2, events.get(1).payload().get("number").asText());
        assertEquals("108.00", events.get(1).payload().get("total").asText());
        assertEquals("finalized", events.get(1).payload().get("status").asText());
        assertEquals(OCT, events.get(1).payload().get("period_start").asText());
        assertEquals(cus, events.get(1).headers().get("ce_subject"));
    }
}
