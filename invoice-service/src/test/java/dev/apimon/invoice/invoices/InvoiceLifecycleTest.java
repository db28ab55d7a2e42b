package dev.apimon.invoice.invoices;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.invoice.invoices.store.NumberSequence;
import dev.apimon.invoice.support.Fixtures;
import dev.apimon.invoice.support.Kafka;
import dev.apimon.invoice.support.Rating;
import dev.apimon.invoice.support.StandIns;
import dev.apimon.platform.db.Transactions;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An invoice's life through the API: PDF and who may read it, immutability, drafts, void, credit notes. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class InvoiceLifecycleTest {
    @Inject
    MutableClock clock;
    @Inject
    AgroalDataSource db;
    @Inject
    NumberSequence numbers;

    @AfterEach
    void reset() {
        clock.reset();
    }

    static JsonPath run(String asOf, String customer) {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("as_of", asOf, "customer_id", customer)).post("/v1/billing-runs")
                .then().statusCode(200).extract().jsonPath();
    }

    /** A GB customer on a 49.00/month plan, with its opening invoice finalized; returns the plan code. */
    private String opened(String customer, String anchor, String periodEnd) {
        String plan = "pro-" + System.nanoTime();
        Rating.plan(plan, 1, "Pro", "49.00");
        clock.set(Instant.parse(anchor));
        Fixtures.subscribe(db, customer, "GB", plan, anchor, periodEnd);
        JsonPath r = run(anchor, customer);
        assertEquals(List.of(), r.getList("errors"));
        return plan;
    }

    @Test
    void pdfIsARealDocument_readableByAdminsAndTheInvoicesCustomerOnly() throws Exception {
        String alice = "cus_demo_alice";
        String plan = opened(alice, "2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z");
        Rating.rated(Rating.period(alice, "2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z").plan(plan, 1).fee("Pro monthly fee", "49.00")
                .usage("api_calls", "1000", "0.00").totals("49.00", "0.00", "0.00", "0.00", "49.00"));
        clock.set(Instant.parse("2026-07-01T00:10:00Z"));
        run("2026-07-01T00:10:00Z", alice); // June closes: a draft during the grace window

        List<Map<String, Object>> all = Fixtures.invoices(alice);
        String openingId = all.stream().filter(i -> "finalized".equals(i.get("status"))).map(i -> (String) i.get("id"))
                .filter(id -> "opening".equals(Fixtures.invoice(id).getString("kind"))).findFirst().orElseThrow();
        String draftId = all.stream().filter(i -> "draft".equals(i.get("status"))).map(i -> (String) i.get("id")).findFirst().orElseThrow();
        String number = Fixtures.invoice(openingId).getString("number");

        // the customer sees its finalized invoices, never drafts; another customer sees nothing of it
        given().auth().oauth2(Tokens.alice()).get("/v1/invoices").then().statusCode(200)
                .body("data.id", hasItem(openingId)).body("data.id", not(hasItem(draftId)));
        given().auth().oauth2(Tokens.alice()).get("/v1/invoices/" + draftId).then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).get("/v1/invoices/" + openingId).then().statusCode(200)
                .body("total", equalTo("58.80")).body("stripe_sync", equalTo(null));
        given().auth().oauth2(Tokens.bob()).get("/v1/invoices/" + openingId).then().statusCode(404);
        given().auth().oauth2(Tokens.bob()).get("/v1/invoices/" + openingId + "/pdf").then().statusCode(404);
        given().get("/v1/invoices/" + openingId + "/pdf").then().statusCode(401);
        given().auth().oauth2(Tokens.admin()).get("/v1/invoices/" + draftId + "/pdf").then().statusCode(409)
                .body("code", equalTo("INVOICE_NOT_FINALIZED"));

        byte[] pdf = given().auth().oauth2(Tokens.alice()).get("/v1/invoices/" + openingId + "/pdf").then().statusCode(200)
                .contentType("application/pdf").header("Content-Disposition", containsString(number + ".pdf"))
                .extract().asByteArray();
        assertEquals("%PDF", new String(pdf, 0, 4));
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            String text = new PDFTextStripper().getText(doc);
            for (String expected : List.of("Invoice " + number, "Customer cus_demo_alice", "billing@cus_demo_alice.example",
                    "2026-06-01 to 2026-07-01", "Pro monthly fee", "49.00", "Tax 20%", "9.80", "Total (USD)", "58.80")) {
                assertTrue(text.contains(expected), "PDF text lacks '" + expected + "':\n" + text);
            }
        }
        byte[] adminPdf = given().auth().oauth2(Tokens.admin()).get("/v1/invoices/" + openingId + "/pdf").then().statusCode(200)
                .extract().asByteArray();
        assertTrue(adminPdf.length > 500);
    }

    @Test
    void finalizedInvoicesNeverChange_draftsTakeLines_voidKeepsTheNumber() throws Exception {
        String cus = "cus_life_" + System.nanoTime();
        String plan = opened(cus, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z");
        String openingId = (String) Fixtures.invoices(cus).get(0).get("id");

        // 409 through the API ...
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("description", "x", "amount", "1.00"))
                .post("/v1/invoices/" + openingId + "/lines").then().statusCode(409).body("code", equalTo("INVOICE_IMMUTABLE"));
        given().auth().oauth2(Tokens.admin()).post("/v1/invoices/" + openingId + "/finalize").then().statusCode(409);
        // ... and the database itself refuses, whatever code tries
        for (String sql : List.of("UPDATE invoices SET total = 1 WHERE id = '" + openingId + "'",
                "UPDATE invoices SET number = 'INV-2026-999999' WHERE id = '" + openingId + "'",
                "UPDATE invoice_lines SET amount = 0 WHERE invoice_id = '" + openingId + "'",
                "DELETE FROM invoice_lines WHERE invoice_id = '" + openingId + "'",
                "INSERT INTO invoice_lines (invoice_id, line_no, type, description, amount) VALUES ('" + openingId + "', 99, 'fee', 'x', 1)")) {
            SQLException e = assertThrows(SQLException.class, () -> {
                try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                    s.execute(sql);
                }
            }, sql);
            assertTrue(e.getMessage().contains("immutable"), e.getMessage());
        }
        assertEquals("58.80", Fixtures.invoice(openingId).getString("total"));

        // the March period closes into a draft; an operator adds a line while it is one
        Rating.rated(Rating.period(cus, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z").plan(plan, 1).fee("Pro monthly fee", "49.00")
                .usage("api_calls", "20000", "50.00").totals("99.00", "0.00", "0.00", "0.00", "99.00"));
        clock.set(Instant.parse("2026-04-01T00:05:00Z"));
        run("2026-04-01T00:05:00Z", cus);
        String draftId = (String) Fixtures.invoices(cus).get(1).get("id");
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("description", "Onboarding workshop", "amount", "abc"))
                .post("/v1/invoices/" + draftId + "/lines").then().statusCode(400).body("errors[0].field", equalTo("amount"));
        JsonPath withLine = null;
        for (int i = 0; i < 2; i++) { // the same Idempotency-Key twice: added once
            withLine = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", "workshop-" + draftId)
                    .body(Map.of("description", "Onboarding workshop", "amount", "150.00"))
                    .post("/v1/invoices/" + draftId + "/lines").then().statusCode(200).extract().jsonPath();
        }
        assertEquals(List.of("fee|Pro monthly fee|49.00", "usage|api_calls usage|50.00", "adjustment|Onboarding workshop|150.00",
                "tax|Tax 20% (GB)|49.80"), Fixtures.lines(withLine));
        assertEquals("298.80", withLine.getString("total"));

        // finalize now (skips the rest of the grace window); the operator's line survives the refresh from rating
        JsonPath fin = given().auth().oauth2(Tokens.admin()).post("/v1/invoices/" + draftId + "/finalize").then().statusCode(200)
                .extract().jsonPath();
        assertEquals("finalized", fin.getString("status"));
        assertEquals("298.80", fin.getString("total"));
        String number = fin.getString("number");
        assertTrue(number.startsWith("INV-2026-"));

        // void: a correction is never an edit; the number stays used, the event goes out, Stripe is told
        JsonPath voided = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "wrong workshop price"))
                .post("/v1/invoices/" + draftId + "/void").then().statusCode(200).extract().jsonPath();
        assertEquals("void", voided.getString("status"));
        assertEquals(number, voided.getString("number"));
        assertEquals("298.80", voided.getString("total"));
        assertEquals("wrong workshop price", voided.getString("void_reason"));
        given().auth().oauth2(Tokens.admin()).post("/v1/invoices/" + draftId + "/void").then().statusCode(409);
        Fixtures.assertGapFree(db, "INV", 2026);
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertTrue(
                Kafka.types("billing.invoices", cus).contains("com.apimon.invoice.voided")));
        // the operator's line was given back: it waits for the customer's next invoice
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM invoice_adjustments WHERE customer_id = '" + cus + "' AND applied_invoice_id IS NULL")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }

    @Test
    void creditNotesAreNumberedIdempotentBoundedAndDeductedFromTheNextInvoice() {
        String cus = "cus_cn_" + System.nanoTime();
        String plan = opened(cus, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z");
        String openingId = (String) Fixtures.invoices(cus).get(0).get("id");
        String openingNumber = Fixtures.invoice(openingId).getString("number");

        JsonPath cn = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", "cn-1")
                .body(Map.of("amount", "20.00", "reason", "SLA breach")).post("/v1/invoices/" + openingId + "/credit-notes")
                .then().statusCode(201).extract().jsonPath();
        assertTrue(cn.getString("number").matches("CN-2026-\\d{6}"), cn.getString("number"));
        assertEquals("20.00", cn.getString("amount"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", "cn-1")
                .body(Map.of("amount", "20.00", "reason", "SLA breach")).post("/v1/invoices/" + openingId + "/credit-notes")
                .then().statusCode(201).body("id", equalTo(cn.getString("id")));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("amount", "38.81"))
                .post("/v1/invoices/" + openingId + "/credit-notes").then().statusCode(400).body("errors[0].field", equalTo("amount"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("amount", "0"))
                .post("/v1/invoices/" + openingId + "/credit-notes").then().statusCode(400);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(Map.of("amount", "1.00"))
                .post("/v1/invoices/" + openingId + "/credit-notes").then().statusCode(403);
        given().auth().oauth2(Tokens.admin()).get("/v1/invoices/" + openingId + "/credit-notes").then().statusCode(200)
                .body("data.number", equalTo(List.of(cn.getString("number"))));
        assertEquals("20.00", Fixtures.invoice(openingId).getString("amount_credited"));
        assertEquals("58.80", Fixtures.invoice(openingId).getString("total"), "the credited invoice itself is unchanged");
        Fixtures.assertGapFree(db, "CN", 2026);

        // February closes: the credit note is a linked line of the next invoice
        Rating.rated(Rating.period(cus, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z").plan(plan, 1).fee("Pro monthly fee", "49.00")
                .usage("api_calls", "0", "0.00").totals("49.00", "0.00", "0.00", "0.00", "49.00"));
        clock.set(Instant.parse("2026-03-01T02:00:00Z"));
        run("2026-03-01T02:00:00Z", cus);
        JsonPath feb = Fixtures.invoice((String) Fixtures.invoices(cus).get(1).get("id"));
        assertEquals(List.of("fee|Pro monthly fee|49.00", "usage|api_calls usage|0.00",
                "adjustment|Credit note " + cn.getString("number") + " (" + openingNumber + ")|-20.00", "tax|Tax 20% (GB)|5.80"),
                Fixtures.lines(feb));
        assertEquals("34.80", feb.getString("total"));
    }

    @Test
    void aPaidInvoiceIsCorrectedByCreditNoteNotVoid_zeroInvoicesArePaidWithoutStripe() {
        String cus = "cus_free_" + System.nanoTime();
        String plan = "free-" + System.nanoTime();
        Rating.plan(plan, 1, "Free", "0.00");
        clock.set(Instant.parse("2026-05-01T00:00:00Z"));
        Fixtures.subscribe(db, cus, null, plan, "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z");
        run("2026-05-01T00:00:00Z", cus);
        JsonPath opening = Fixtures.invoice((String) Fixtures.invoices(cus).get(0).get("id"));
        assertEquals("paid", opening.getString("status"));
        assertEquals(List.of("fee|Free monthly fee|0.00"), Fixtures.lines(opening), "no region, no tax line");
        assertEquals(List.of(), opening.getList("stripe_sync"));
        given().auth().oauth2(Tokens.admin()).post("/v1/invoices/" + opening.getString("id") + "/void").then().statusCode(409)
                .body("detail", containsString("credit note"));
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(
                List.of("com.apimon.invoice.finalized", "com.apimon.invoice.paid"), Kafka.types("billing.invoices", cus)));
    }

    @Test
    void billingRunApi_validatesInput_andClosesEachPeriodExactlyOnceEvenWhenRunsRace() throws Exception {
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of()).post("/v1/billing-runs").then().statusCode(400)
                .body("errors[0].field", equalTo("as_of"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("as_of", "yesterday")).post("/v1/billing-runs")
                .then().statusCode(400).body("errors[0].field", equalTo("as_of"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("as_of", "2999-01-01T00:00:00Z"))
                .post("/v1/billing-runs").then().statusCode(400).body("detail", containsString("future"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(Map.of("as_of", "2026-01-01T00:00:00Z"))
                .post("/v1/billing-runs").then().statusCode(403);
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("as_of", "2026-01-01T00:00:00Z", "customer_id", "cus_nobody")).post("/v1/billing-runs").then().statusCode(404);

        String cus = "cus_once_" + System.nanoTime();
        String plan = "pro-" + System.nanoTime();
        Rating.plan(plan, 1, "Pro", "49.00");
        clock.set(Instant.parse("2026-01-01T00:00:00Z"));
        Fixtures.subscribe(db, cus, "GB", plan, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z");
        Rating.rated(Rating.period(cus, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z").plan(plan, 1).fee("Pro monthly fee", "49.00")
                .usage("api_calls", "0", "0.00").totals("49.00", "0.00", "0.00", "0.00", "49.00"));
        Rating.rated(Rating.period(cus, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z").plan(plan, 1).fee("Pro monthly fee", "49.00")
                .usage("api_calls", "0", "0.00").totals("49.00", "0.00", "0.00", "0.00", "49.00"));
        clock.set(Instant.parse("2026-03-05T00:00:00Z"));

        // four operators (or replicas) run the same close at once
        List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> run("2026-03-05T00:00:00Z", cus));
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        List<Map<String, Object>> invoices = Fixtures.invoices(cus);
        assertEquals(3, invoices.size(), "opening + January + February, each once: " + invoices);
        assertTrue(invoices.stream().allMatch(i -> "finalized".equals(i.get("status"))));
        JsonPath again = run("2026-03-05T00:00:00Z", cus);
        assertEquals(0, again.getInt("opened") + again.getInt("drafted") + again.getInt("finalized"));
        assertEquals(3, Fixtures.invoices(cus).size());
        Fixtures.assertGapFree(db, "INV", 2026);

        // an Idempotency-Key repeat returns the first run
        String key = "run-" + System.nanoTime();
        String first = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("as_of", "2026-03-05T00:00:00Z", "customer_id", cus)).post("/v1/billing-runs").then().statusCode(200)
                .extract().path("id");
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("as_of", "2026-03-05T00:00:00Z", "customer_id", cus)).post("/v1/billing-runs").then().statusCode(200)
                .body("id", equalTo(first));
        given().auth().oauth2(Tokens.admin()).get("/v1/billing-runs/" + first).then().statusCode(200).body("as_of", equalTo("2026-03-05T00:00:00Z"));
    }

    @Test
    void aRatingOutageIsRetriedThenReported_andTheNextRunClosesThePeriod() {
        String cus = "cus_outage_" + System.nanoTime();
        opened(cus, "2026-08-01T00:00:00Z", "2026-09-01T00:00:00Z");
        StandIns.rating().stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(
                        com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v1/customers/" + cus + "/rated-periods"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(503)));
        clock.set(Instant.parse("2026-09-01T02:00:00Z"));
        JsonPath failed = run("2026-09-01T02:00:00Z", cus);
        assertEquals(cus, failed.getString("errors[0].customer_id"));
        assertTrue(failed.getString("errors[0].message").contains("HTTP 503"), failed.getString("errors[0].message"));
        StandIns.rating().verify(4, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v1/customers/" + cus + "/rated-periods")));
        assertEquals(1, Fixtures.invoices(cus).size(), "nothing half-done");

        String plan = Fixtures.invoice((String) Fixtures.invoices(cus).get(0).get("id")).getString("lines[0].description");
        assertEquals("Pro monthly fee", plan);
        Rating.rated(Rating.period(cus, "2026-08-01T00:00:00Z", "2026-09-01T00:00:00Z").fee("Pro monthly fee", "49.00")
                .usage("api_calls", "0", "0.00").totals("49.00", "0.00", "0.00", "0.00", "49.00"));
        JsonPath ok = run("2026-09-01T02:00:00Z", cus);
        assertEquals(List.of(), ok.getList("errors"));
        assertEquals(2, Fixtures.invoices(cus).size());
    }

    @Test
    void aRolledBackFinalizationGivesItsNumberBack() throws Exception {
        String[] taken = new String[1];
        assertThrows(IllegalStateException.class, () -> Transactions.run(db, c -> {
            taken[0] = numbers.next(c, "TST", 2031);
            throw new IllegalStateException("crash after the number was taken");
        }));
        String[] next = new String[1];
        Transactions.run(db, c -> next[0] = numbers.next(c, "TST", 2031));
        assertEquals(taken[0], next[0]);
        assertEquals("TST-2031-000001", next[0]);
    }
}
