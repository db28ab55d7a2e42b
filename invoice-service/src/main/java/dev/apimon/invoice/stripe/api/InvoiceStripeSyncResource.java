package dev.apimon.invoice.stripe.api;

import dev.apimon.invoice.invoices.api.InvoiceResource.SyncView;
import dev.apimon.invoice.invoices.store.InvoiceStore;
import dev.apimon.invoice.stripe.domain.StripeConfig;
import dev.apimon.invoice.stripe.domain.SyncJob;
import dev.apimon.invoice.stripe.store.StripeSyncStore;
import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import io.agroal.api.AgroalDataSource;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** One invoice's Stripe sync: status, attempts, last error per action; retry. */
@Path("/v1/invoices/{id}/stripe-sync")
@Produces(MediaType.APPLICATION_JSON)
public class InvoiceStripeSyncResource {
    private final StripeSyncStore store;
    private final InvoiceStore invoices;
    private final StripeConfig config;
    private final AgroalDataSource db;
    private final Clock clock;

    public InvoiceStripeSyncResource(StripeSyncStore store, InvoiceStore invoices, StripeConfig config, AgroalDataSource db, Clock clock) {
        this.store = store;
        this.invoices = invoices;
        this.config = config;
        this.db = db;
        this.clock = clock;
    }

    @GET
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Stripe sync state of an invoice")
    public PageResponse<StripeSyncResource.JobView> forInvoice(@PathParam("id") String id) throws SQLException {
        invoices.find(id).orElseThrow(() -> ProblemException.notFound("invoice", id));
        try (Connection c = db.getConnection()) {
            return PageResponse.of(store.forInvoice(c, id).stream().map(StripeSyncResource.JobView::of).toList(), null);
        }
    }

    @POST
    @Path("/retry")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Retry an invoice's Stripe sync now", description = "Failed (or waiting) jobs become due at once, with their "
            + "attempts counted afresh; what already exists in Stripe is not created again. 409 when nothing is left to retry.")
    public PageResponse<StripeSyncResource.JobView> retry(@PathParam("id") String id) throws SQLException {
        invoices.find(id).orElseThrow(() -> ProblemException.notFound("invoice", id));
        if (!config.enabled()) {
            throw ProblemException.conflict("STRIPE_DISABLED", "Stripe sync is disabled: STRIPE_API_KEY is not configured");
        }
        int retried = 0;
        try (Connection c = db.getConnection()) {
            for (SyncJob j : store.forInvoice(c, id)) {
                if (store.retryNow(c, id, j.action(), clock.instant())) {
                    retried++;
                }
            }
            if (retried == 0) {
                throw ProblemException.conflict("NOTHING_TO_RETRY", "invoice " + id + " has no failed or waiting Stripe sync");
            }
            return PageResponse.of(store.forInvoice(c, id).stream().map(StripeSyncResource.JobView::of).toList(), null);
        }
    }
}
