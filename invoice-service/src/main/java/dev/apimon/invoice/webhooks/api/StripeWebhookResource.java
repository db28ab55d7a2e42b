package dev.apimon.invoice.webhooks.api;

import dev.apimon.invoice.webhooks.domain.WebhookProcessor;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.sql.SQLException;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Stripe's webhook endpoint. No bearer token: Stripe proves itself with the {@code Stripe-Signature} header (HMAC of
 * the raw body with the endpoint secret). Served at {@code /v1/webhooks/stripe} and, as an alias, {@code /v1/stripe/webhooks}.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class StripeWebhookResource {
    private final WebhookProcessor processor;

    public StripeWebhookResource(WebhookProcessor processor) {
        this.processor = processor;
    }

    @POST
    @Path("/webhooks/stripe")
    @PermitAll
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Stripe webhook", description = "400 without a valid Stripe-Signature; each event id is applied once "
            + "(a redelivery answers 200 with duplicate=true). Handles invoice.paid, invoice.payment_failed, invoice.voided, "
            + "invoice.marked_uncollectible.")
    public WebhookProcessor.Receipt receive(String payload, @HeaderParam("Stripe-Signature") String signature) throws SQLException {
        return processor.receive(payload == null ? "" : payload, signature);
    }

    @POST
    @Path("/stripe/webhooks")
    @PermitAll
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Stripe webhook (alias of /v1/webhooks/stripe)")
    public WebhookProcessor.Receipt alias(String payload, @HeaderParam("Stripe-Signature") String signature) throws SQLException {
        return processor.receive(payload == null ? "" : payload, signature);
    }
}
