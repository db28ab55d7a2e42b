package dev.apimon.rating.customerpricing.api;

import dev.apimon.platform.json.InputBounds;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import dev.apimon.rating.customerpricing.store.CustomerPricingStore;
import dev.apimon.rating.pricing.Charge;
import dev.apimon.rating.pricing.PlanValidator;
import dev.apimon.rating.pricing.PlanVersion;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Provider staff: per-customer price overrides, coupons and the discounts they grant. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Caller.ADMIN)
public class CustomerPricingResource {
    private final CustomerPricingStore store;
    private final Clock clock;
    private final PlanValidator validator = new PlanValidator();

    public CustomerPricingResource(CustomerPricingStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public record CouponRequest(String code, String percent, String amount, String currency, Integer durationPeriods) {
    }

    public record ApplyCouponRequest(String coupon, String startsAt) {
    }

    @PUT
    @Path("/customers/{id}/price-overrides/{meter}")
    @Operation(summary = "Override one meter's price for a customer", description = "The body is a charge as in a plan version.")
    public Charge putOverride(@PathParam("id") String customerId, @PathParam("meter") String meter, Charge body) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a charge is required");
        }
        Charge charge = new Charge(meter, body.model(), body.unitAmount(), body.tiers(), body.packageSize(), body.packageAmount(),
                body.rate(), body.flatAmount(), body.includedUnits(), body.description());
        // validate the charge with the catalog's rules by wrapping it in a minimal plan
        var violations = validator.validate(new PlanVersion("override", 1, "override", "draft", "USD", "month", null, null, null,
                null, null, null, List.of(charge)));
        if (!violations.isEmpty()) {
            throw ProblemException.invalid(violations.stream()
                    .map(v -> new FieldError(v.field().replaceFirst("^charges\\[0]\\.?", ""), v.message())).toList());
        }
        store.putOverride(customerId, charge, clock.instant());
        return charge;
    }

    @GET
    @Path("/customers/{id}/price-overrides")
    @Operation(summary = "A customer's price overrides")
    public Map<String, Charge> overrides(@PathParam("id") String customerId) {
        return store.overrides(customerId);
    }

    @DELETE
    @Path("/customers/{id}/price-overrides/{meter}")
    public Response deleteOverride(@PathParam("id") String customerId, @PathParam("meter") String meter) throws SQLException {
        if (!store.deleteOverride(customerId, meter)) {
            throw ProblemException.notFound("price override", customerId + "/" + meter);
        }
        return Response.noContent().build();
    }

    @POST
    @Path("/coupons")
    @Operation(summary = "Create a coupon", description = "percent (\"10\" = 10 %) or amount + currency; duration_periods or forever.")
    public Response createCoupon(CouponRequest body) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON body is required");
        }
        List<FieldError> errors = new ArrayList<>();
        if (body.code() == null || !body.code().matches("[A-Z0-9_-]{2,40}")) {
            errors.add(new FieldError("code", "must be 2-40 characters of A-Z, 0-9, _ or -"));
        }
        BigDecimal percent = decimal(body.percent(), "percent", errors);
        BigDecimal amount = decimal(body.amount(), "amount", errors);
        if ((percent == null) == (amount == null)) {
            errors.add(new FieldError("percent", "give exactly one of percent or amount"));
        }
        if (percent != null && (percent.signum() <= 0 || percent.compareTo(new BigDecimal("100")) > 0)) {
            errors.add(new FieldError("percent", "must be in (0, 100]"));
        }
        if (amount != null && amount.signum() <= 0) {
            errors.add(new FieldError("amount", "must be positive"));
        }
        if (amount != null && (body.currency() == null || !body.currency().matches("[A-Z]{3}"))) {
            errors.add(new FieldError("currency", "is required with amount (ISO 4217)"));
        }
        if (body.durationPeriods() != null && body.durationPeriods() < 1) {
            errors.add(new FieldError("duration_periods", "must be at least 1 (omit it for forever)"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        var coupon = new CustomerPricingStore.Coupon(body.code(), percent, amount, body.currency(), body.durationPeriods());
        if (!store.createCoupon(coupon, clock.instant())) {
            throw ProblemException.conflict("COUPON_EXISTS", "coupon " + body.code() + " exists; coupons never change");
        }
        return Response.status(201).entity(coupon).build();
    }

    @POST
    @Path("/customers/{id}/discounts")
    @Operation(summary = "Apply a coupon to a customer")
    public Response applyCoupon(@PathParam("id") String customerId, ApplyCouponRequest body) throws SQLException {
        if (body == null || body.coupon() == null) {
            throw ProblemException.invalid("coupon", "is required");
        }
        var coupon = store.coupon(body.coupon()).orElseThrow(() -> ProblemException.invalid("coupon", "unknown coupon " + body.coupon()));
        Instant starts;
        try {
            starts = body.startsAt() == null ? clock.instant() : Instant.parse(body.startsAt());
        } catch (RuntimeException e) {
            throw ProblemException.invalid("starts_at", "must be an RFC 3339 UTC time");
        }
        if (!InputBounds.inRange(starts)) {
            throw ProblemException.invalid("starts_at", InputBounds.INSTANT_RULE);
        }
        return Response.status(201).entity(store.applyCoupon(customerId, coupon, starts, clock.instant())).build();
    }

    private static BigDecimal decimal(String v, String field, List<FieldError> errors) {
        if (v == null) {
            return null;
        }
        BigDecimal d = InputBounds.decimal(v);
        if (d == null) {
            errors.add(new FieldError(field, "must be a decimal with " + InputBounds.DECIMAL_RULE));
        }
        return d;
    }
}
