package dev.apimon.invoice.stripe.api;

import dev.apimon.invoice.invoices.api.InvoiceResource.SyncView;
import dev.apimon.invoice.stripe.domain.SyncJob;
import dev.apimon.invoice.stripe.store.StripeSyncStore;
import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The Stripe sync outbox as operators see it: every job's status, attempts and last error (e.g. ?status=failed). */
@Path("/v1/stripe-syncs")
@Produces(MediaType.APPLICATION_JSON)
public class StripeSyncResource {
    private static final Set<String> STATUSES = Set.of("pending", "running", "succeeded", "failed", "disabled", "canceled");
    private final StripeSyncStore store;

    public StripeSyncResource(StripeSyncStore store) {
        this.store = store;
    }

    public record JobView(String invoiceId, String action, String status, int attempts, String lastError, java.time.Instant lastAttemptAt,
                          java.time.Instant nextAttemptAt, String stripeCustomerId, String stripeInvoiceId) {
        public static JobView of(SyncJob j) {
            SyncView v = SyncView.of(j);
            return new JobView(j.invoiceId(), v.action(), v.status(), v.attempts(), v.lastError(), v.lastAttemptAt(), v.nextAttemptAt(),
                    v.stripeCustomerId(), v.stripeInvoiceId());
        }
    }

    @GET
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Stripe sync jobs", description = "e.g. ?status=failed to find what needs attention.")
    public PageResponse<JobView> list(@QueryParam("status") String status, @QueryParam("limit") String limit,
                                      @QueryParam("cursor") String cursor) throws SQLException {
        PageRequest page = PageRequest.of(limit, cursor);
        if (status != null && !STATUSES.contains(status)) {
            throw ProblemException.invalid("status", "must be one of " + String.join(", ", STATUSES.stream().sorted().toList()));
        }
        List<SyncJob> rows = store.page(status, page.cursor(), page.limit() + 1);
        boolean more = rows.size() > page.limit();
        List<SyncJob> data = more ? rows.subList(0, page.limit()) : rows;
        return PageResponse.of(data.stream().map(JobView::of).toList(),
                more ? data.get(data.size() - 1).invoiceId() + "/" + data.get(data.size() - 1).action() : null);
    }
}
