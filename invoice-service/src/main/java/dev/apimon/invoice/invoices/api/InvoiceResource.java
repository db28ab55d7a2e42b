package dev.apimon.invoice.invoices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.apimon.invoice.billingruns.domain.Finalizer;
import dev.apimon.invoice.credits.store.CreditReversalStore;
import dev.apimon.invoice.dunning.domain.Dunning;
import dev.apimon.invoice.dunning.store.DunningStore;
import dev.apimon.invoice.invoices.domain.CreditNote;
import dev.apimon.invoice.invoices.domain.Invoice;
import dev.apimon.invoice.invoices.domain.InvoiceLine;
import dev.apimon.invoice.invoices.domain.InvoiceService;
import dev.apimon.invoice.invoices.domain.InvoiceSummary;
import dev.apimon.invoice.invoices.domain.Money;
import dev.apimon.invoice.invoices.store.CreditNoteStore;
import dev.apimon.invoice.invoices.store.InvoiceStore;
import dev.apimon.invoice.stripe.domain.SyncJob;
import dev.apimon.invoice.stripe.store.StripeSyncStore;
import dev.apimon.invoice.subscriptions.domain.Customer;
import dev.apimon.invoice.subscriptions.store.CustomerStore;
import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import io.agroal.api.AgroalDataSource;
import io.quarkus.security.Authenticated;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/v1/invoices")
@Produces(MediaType.APPLICATION_JSON)
public class InvoiceResource {
    private static final Set<String> STATUSES = Set.of("draft", "finalized", "paid", "void", "uncollectible");
    private final InvoiceStore store;
    private final InvoiceService service;
    private final Finalizer finalizer;
    private final CreditNoteStore creditNotes;
    private final StripeSyncStore stripe;
    private final CreditReversalStore creditReversals;
    private final DunningStore dunning;
    private final CustomerStore customers;
    private final AgroalDataSource db;
    private final Caller caller;
    private final com.fasterxml.jackson.databind.ObjectMapper json;
    private final String issuer;

    public InvoiceResource(InvoiceStore store, InvoiceService service, Finalizer finalizer, CreditNoteStore creditNotes,
                           StripeSyncStore stripe, CreditReversalStore creditReversals, DunningStore dunning, CustomerStore customers,
                           AgroalDataSource db, Caller caller,
                           com.fasterxml.jackson.databind.ObjectMapper json, @ConfigProperty(name = "apimon.invoice.issuer", defaultValue = "apimon") String issuer) {
        this.store = store;
        this.service = service;
        this.finalizer = finalizer;
        this.creditNotes = creditNotes;
        this.stripe = stripe;
        this.creditReversals = creditReversals;
        this.dunning = dunning;
        this.customers = customers;
        this.db = db;
        this.caller = caller;
        this.json = json;
        this.issuer = issuer;
    }

    public record LineView(String type, String description, String meter, BigDecimal quantity, BigDecimal amount, Instant periodStart,
                           Instant periodEnd) {
    }

    public record SyncView(String action, String status, int attempts, String lastError, Instant lastAttemptAt, Instant nextAttemptAt,
                           String stripeCustomerId, String stripeInvoiceId) {
        public static SyncView of(SyncJob j) {
            boolean waiting = SyncJob.PENDING.equals(j.status()) || SyncJob.RUNNING.equals(j.status());
            return new SyncView(j.action(), j.status(), j.attempts(), j.lastError(), j.lastAttemptAt(), waiting ? j.nextAttemptAt() : null,
                    j.stripeCustomerId(), j.stripeInvoiceId());
        }
    }

    public record PaymentView(String status, int failedAttempts, Instant lastFailedAt, Instant nextRetryAt) {
    }

    /** The return of a voided invoice's credits to rating-service (admins only). */
    public record CreditReversalView(String status, int attempts, BigDecimal restored, String lastError, Instant nextAttemptAt) {
        static CreditReversalView of(CreditReversalStore.Job j, String currency) {
            boolean done = CreditReversalStore.SUCCEEDED.equals(j.status());
            return new CreditReversalView(j.status(), j.attempts(), j.restored() == null ? null : Money.display(j.restored(), currency),
                    j.lastError(), done ? null : j.nextAttemptAt());
        }
    }

    public record InvoiceView(String id, String number, String customerId, String subscriptionId, String kind, String status, String currency,
                              Instant periodStart, Instant periodEnd, List<LineView> lines, BigDecimal subtotal, BigDecimal tax,
                              BigDecimal taxRate, String taxRegion, BigDecimal total, BigDecimal creditsApplied, BigDecimal amountCredited,
                              Instant createdAt, Instant finalizeAfter, Instant finalizedAt, Instant paidAt, Instant voidedAt, String voidReason,
                              @JsonInclude(JsonInclude.Include.NON_NULL) PaymentView payment,
                              @JsonInclude(JsonInclude.Include.NON_NULL) List<SyncView> stripeSync,
                              @JsonInclude(JsonInclude.Include.NON_NULL) CreditReversalView creditReversal) {
    }

    public record LineRequest(String description, String amount) {
    }

    public record VoidRequest(String reason) {
    }

    public record CreditNoteRequest(String amount, String reason) {
    }

    @GET
    @Authenticated
    @Operation(summary = "List invoices", description = "Admins list anyone's (optionally one customer's, drafts included); a customer "
            + "only its own finalized ones.")
    public PageResponse<InvoiceSummary> list(@QueryParam("customer_id") String customerId, @QueryParam("status") String status,
                                             @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) throws SQLException {
        PageRequest page = PageRequest.of(limit, cursor);
        if (status != null && !STATUSES.contains(status)) {
            throw ProblemException.invalid("status", "must be one of " + String.join(", ", STATUSES.stream().sorted().toList()));
        }
        String scope = caller.scopeCustomer(customerId).orElse(null);
        List<InvoiceSummary> rows = store.page(scope, status, caller.isAdmin(), page.cursor(), page.limit() + 1);
        boolean more = rows.size() > page.limit();
        List<InvoiceSummary> data = more ? rows.subList(0, page.limit()) : rows;
        return PageResponse.of(data, more ? data.get(data.size() - 1).id() : null);
    }

    @GET
    @Path("/{id}")
    @Authenticated
    @Operation(summary = "One invoice with its lines", description = "Admins also see its Stripe sync state.")
    public InvoiceView get(@PathParam("id") String id) throws SQLException {
        return view(visible(id));
    }

    @GET
    @Path("/{id}/pdf")
    @Produces("application/pdf")
    @Authenticated
    @Operation(summary = "The invoice as a PDF", description = "For finalized (and later) invoices.")
    public Response pdf(@PathParam("id") String id) throws SQLException {
        Invoice inv = visible(id);
        if (inv.isDraft()) {
            throw ProblemException.conflict("INVOICE_NOT_FINALIZED", "invoice " + id + " is a draft: its PDF exists once it is finalized");
        }
        Customer customer;
        try (Connection c = db.getConnection()) {
            customer = customers.find(c, inv.customerId()).orElse(null);
        }
        return Response.ok(InvoicePdf.render(inv, customer, issuer), "application/pdf")
                .header("Content-Disposition", "inline; filename=\"" + inv.number() + ".pdf\"").build();
    }

    @POST
    @Path("/{id}/finalize")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Finalize a draft now", description = "Skips the rest of the grace window; 409 when it is not a draft.")
    public InvoiceView finalizeNow(@PathParam("id") String id) throws SQLException {
        Invoice inv = store.find(id).orElseThrow(() -> ProblemException.notFound("invoice", id));
        if (!inv.isDraft() || finalizer.finalizeDraft(id, null) == Finalizer.Outcome.SKIPPED) {
            throw ProblemException.conflict(InvoiceService.IMMUTABLE, "invoice " + id + " is not a draft");
        }
        return view(store.find(id).orElseThrow());
    }

    @POST
    @Path("/{id}/lines")
    @RolesAllowed(Caller.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add a line to a draft", description = "409 once the invoice is finalized: corrections are a void or a credit "
            + "note. Idempotency-Key: a repeat adds nothing.")
    public InvoiceView addLine(@PathParam("id") String id, LineRequest body, @HeaderParam("Idempotency-Key") String key) throws SQLException {
        List<FieldError> errors = new ArrayList<>();
        if (body == null || body.description() == null || body.description().isBlank()) {
            errors.add(new FieldError("description", "is required"));
        }
        BigDecimal amount = decimal(body == null ? null : body.amount(), "amount", errors, false);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return view(service.addLine(id, body.description().trim(), amount, key == null || key.isBlank() ? null : key));
    }

    @POST
    @Path("/{id}/void")
    @RolesAllowed(Caller.ADMIN)
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Void an unpaid invoice", description = "Body optional: {\"reason\": \"...\"}. Its number stays used; Stripe's "
            + "invoice is voided too. 409 when paid (issue a credit note) or already void.")
    public InvoiceView voidInvoice(@PathParam("id") String id, String body) throws SQLException {
        String reason = null;
        if (body != null && !body.isBlank()) {
            try {
                VoidRequest r = json.readValue(body, VoidRequest.class);
                reason = r == null ? null : r.reason();
            } catch (java.io.IOException e) {
                throw ProblemException.invalid("body", "must be JSON like {\"reason\": \"...\"}");
            }
        }
        return view(service.voidInvoice(id, reason));
    }

    @POST
    @Path("/{id}/credit-notes")
    @RolesAllowed(Caller.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Issue a credit note", description = "Up to the invoice's total minus earlier credit notes; the customer's next "
            + "invoice deducts it. Idempotency-Key returns the first result.")
    public Response creditNote(@PathParam("id") String id, CreditNoteRequest body, @HeaderParam("Idempotency-Key") String key) throws SQLException {
        List<FieldError> errors = new ArrayList<>();
        BigDecimal amount = decimal(body == null ? null : body.amount(), "amount", errors, true);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        CreditNote n = service.creditNote(id, amount, body.reason(), key == null || key.isBlank() ? null : key);
        return Response.status(201).entity(n).build();
    }

    @GET
    @Path("/{id}/credit-notes")
    @Authenticated
    @Operation(summary = "Credit notes of an invoice")
    public PageResponse<CreditNote> creditNotes(@PathParam("id") String id) throws SQLException {
        Invoice inv = visible(id);
        try (Connection c = db.getConnection()) {
            return PageResponse.of(creditNotes.forInvoice(c, inv.id()), null);
        }
    }

    /** The invoice if the caller may see it: admins any, a customer its own non-draft ones; otherwise 404. */
    private Invoice visible(String id) throws SQLException {
        Invoice inv = store.find(id).orElseThrow(() -> ProblemException.notFound("invoice", id));
        caller.requireAccessTo("invoice", inv.customerId());
        if (inv.isDraft() && !caller.isAdmin()) {
            throw ProblemException.notFound("invoice", id);
        }
        return inv;
    }

    private InvoiceView view(Invoice inv) throws SQLException {
        List<LineView> lines = inv.lines().stream()
                .map(l -> new LineView(l.type(), l.description(), l.meter(), l.quantity(), l.amount(), l.periodStart(), l.periodEnd())).toList();
        BigDecimal credited;
        PaymentView payment = null;
        List<SyncView> sync = null;
        CreditReversalView reversal = null;
        try (Connection c = db.getConnection()) {
            credited = creditNotes.credited(c, inv.id());
            Dunning d = dunning.find(c, inv.id(), false).orElse(null);
            if (d != null) {
                payment = new PaymentView(d.status(), d.failures(), d.lastFailedAt(), d.nextRetryAt());
            }
            if (caller.isAdmin()) {
                sync = stripe.forInvoice(c, inv.id()).stream().map(SyncView::of).toList();
                reversal = creditReversals.find(c, inv.id()).map(j -> CreditReversalView.of(j, inv.currency())).orElse(null);
            }
        }
        return new InvoiceView(inv.id(), inv.number(), inv.customerId(), inv.subscriptionId(), inv.kind(), inv.status(), inv.currency(),
                inv.periodStart(), inv.periodEnd(), lines, inv.subtotal(), inv.tax(), inv.taxRate(), inv.taxRegion(), inv.total(),
                inv.creditsApplied(), dev.apimon.invoice.invoices.domain.Money.display(credited, inv.currency()), inv.createdAt(),
                inv.finalizeAfter(), inv.finalizedAt(), inv.paidAt(), inv.voidedAt(), inv.voidReason(), payment, sync, reversal);
    }

    private static BigDecimal decimal(String s, String field, List<FieldError> errors, boolean positive) {
        if (s == null || s.isBlank()) {
            errors.add(new FieldError(field, "is required (a decimal string, e.g. \"12.50\")"));
            return null;
        }
        try {
            BigDecimal d = new BigDecimal(s.trim());
            if (positive && d.signum() <= 0) {
                errors.add(new FieldError(field, "must be greater than zero"));
            } else if (!positive && d.signum() == 0) {
                errors.add(new FieldError(field, "must not be zero"));
            }
            return d;
        } catch (NumberFormatException e) {
            errors.add(new FieldError(field, "must be a decimal string, e.g. \"12.50\""));
            return null;
        }
    }
}
