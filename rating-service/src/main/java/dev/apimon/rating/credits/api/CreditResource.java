package dev.apimon.rating.credits.api;

import dev.apimon.platform.json.InputBounds;
import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import dev.apimon.rating.credits.domain.CreditService;
import dev.apimon.rating.credits.domain.CreditSourceView;
import dev.apimon.rating.credits.domain.LedgerEntry;
import dev.apimon.rating.credits.domain.NewCredit;
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
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class CreditResource {
    private final CreditService credits;
    private final Caller caller;
    private final Clock clock;

    public CreditResource(CreditService credits, Caller caller, Clock clock) {
        this.credits = credits;
        this.caller = caller;
        this.clock = clock;
    }

    public record GrantRequest(String kind, String amount, String currency, Integer priority, String expiresAt, String description) {
    }

    public record ConsumeRequest(String amount, String currency, String reference) {
    }

    public record ReverseRequest(String reference) {
    }

    public record Balance(String customerId, Map<String, BigDecimal> balances, List<CreditSourceView> sources) {
    }

    @POST
    @Path("/customers/{id}/credits")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Grant credits or top up a prepaid wallet", description = "Idempotency-Key: a repeat returns the first result.")
    public Response grant(@PathParam("id") String customerId, GrantRequest body,
                          @HeaderParam("Idempotency-Key") String idempotencyKey) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON body is required");
        }
        NewCredit in = NewCredit.validate(body.kind(), body.amount(), body.currency(), body.priority(), body.expiresAt(),
                body.description(), clock.instant());
        return Response.status(201).entity(credits.grant(customerId, in, idempotencyKey)).build();
    }

    @GET
    @Path("/customers/{id}/credits")
    @Authenticated
    @Operation(summary = "Credit balance and sources")
    public Balance balance(@PathParam("id") String customerId) throws SQLException {
        caller.requireAccessTo("customer", customerId);
        return new Balance(customerId, credits.balances(customerId), credits.sources(customerId));
    }

    @GET
    @Path("/customers/{id}/credits/ledger")
    @Authenticated
    @Operation(summary = "Append-only credit ledger")
    public PageResponse<LedgerEntry> ledger(@PathParam("id") String customerId, @QueryParam("limit") String limit,
                                            @QueryParam("cursor") String cursor) throws SQLException {
        caller.requireAccessTo("customer", customerId);
        PageRequest page = PageRequest.of(limit, cursor);
        long after;
        try {
            after = page.cursor() == null ? 0 : Long.parseLong(page.cursor());
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("cursor", "is not a cursor this API returned");
        }
        List<LedgerEntry> rows = credits.ledger(customerId, after, page.limit() + 1);
        boolean more = rows.size() > page.limit();
        List<LedgerEntry> data = more ? rows.subList(0, page.limit()) : rows;
        return PageResponse.of(data, more ? String.valueOf(data.get(data.size() - 1).seq()) : null);
    }

    @POST
    @Path("/customers/{id}/credits/consumptions")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Burn credits (invoice finalization)", description = "Idempotent per reference (the invoice id).")
    public CreditService.Consumption consume(@PathParam("id") String customerId, ConsumeRequest body) throws SQLException {
        if (body == null || body.reference() == null || body.reference().isBlank()) {
            throw ProblemException.invalid("reference", "is required (e.g. the invoice id)");
        }
        BigDecimal amount = InputBounds.decimal(body.amount());
        if (amount == null) {
            throw ProblemException.invalid("amount", "must be a decimal amount with " + InputBounds.DECIMAL_RULE);
        }
        if (body.currency() == null || !body.currency().matches("[A-Z]{3}")) {
            throw ProblemException.invalid("currency", "must be an ISO 4217 code");
        }
        return credits.consume(customerId, body.currency(), amount, body.reference());
    }

    @POST
    @Path("/customers/{id}/credits/reversals")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Give back what a consumption burnt (a voided invoice)", description = "Restores exactly what the "
            + "consumption with this reference took, to the same sources, as new ledger rows; once per reference (a repeat answers "
            + "the first reversal). Credit of a source that has expired meanwhile comes back still expired. 404 when no consumption "
            + "has this reference; 200 with restored 0 when it burnt nothing.")
    public CreditService.Reversal reverse(@PathParam("id") String customerId, ReverseRequest body) throws SQLException {
        if (body == null || body.reference() == null || body.reference().isBlank()) {
            throw ProblemException.invalid("reference", "is required (the reference of the consumption, e.g. the invoice id)");
        }
        return credits.reverse(customerId, body.reference());
    }
}
