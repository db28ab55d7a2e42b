package dev.apimon.invoice.stripe.domain;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.ApiException;
import com.stripe.exception.CardException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.model.Customer;
import com.stripe.model.Invoice;
import com.stripe.model.InvoiceItem;
import com.stripe.net.RequestOptions;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.InvoiceCreateParams;
import com.stripe.param.InvoiceFinalizeInvoiceParams;
import com.stripe.param.InvoiceItemCreateParams;
import com.stripe.param.InvoicePayParams;
import com.stripe.param.InvoiceVoidInvoiceParams;
import jakarta.inject.Singleton;
import java.util.Locale;
import java.util.Map;

/**
 * The Stripe calls of invoice-service, through stripe-java. Every call carries an Idempotency-Key derived from our
 * own ids ({@code apimon-<what>-<our id>}), so a retry — ours, after a crash or a timeout — gets Stripe's first
 * result back instead of creating a second object. stripe-java's own network retries are off: the sync outbox
 * retries, with backoff, and records every attempt.
 */
@Singleton
public class StripeGateway {
    private final StripeConfig config;
    private volatile StripeClient client;

    public StripeGateway(StripeConfig config) {
        this.config = config;
    }

    /** A failed Stripe call; {@code retryable} when trying again later can succeed. */
    public static class StripeFailure extends RuntimeException {
        private final boolean retryable;

        StripeFailure(String message, boolean retryable, Throwable cause) {
            super(message, cause);
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    public record CustomerRequest(String customerId, String name, String email) {
    }

    public record InvoiceRequest(String invoiceId, String stripeCustomerId, String currency, String number, String description) {
    }

    public record ItemRequest(String invoiceId, int lineNo, String stripeCustomerId, String stripeInvoiceId, long amountMinor,
                              String currency, String description) {
    }

    public static String customerKey(String customerId) {
        return "apimon-customer-" + customerId;
    }

    public static String invoiceKey(String invoiceId) {
        return "apimon-invoice-" + invoiceId;
    }

    public static String itemKey(String invoiceId, int lineNo) {
        return "apimon-invoice-" + invoiceId + "-line-" + lineNo;
    }

    public static String finalizeKey(String invoiceId) {
        return "apimon-invoice-" + invoiceId + "-finalize";
    }

    public static String voidKey(String invoiceId) {
        return "apimon-invoice-" + invoiceId + "-void";
    }

    public static String payKey(String invoiceId, int attempt) {
        return "apimon-invoice-" + invoiceId + "-pay-" + attempt;
    }

    public String createCustomer(CustomerRequest r) {
        CustomerCreateParams.Builder p = CustomerCreateParams.builder().putMetadata("apimon_customer_id", r.customerId());
        if (r.name() != null) {
            p.setName(r.name());
        }
        if (r.email() != null) {
            p.setEmail(r.email());
        }
        return call("create customer for " + r.customerId(), () -> {
            Customer c = client().v1().customers().create(p.build(), options(customerKey(r.customerId())));
            return c.getId();
        });
    }

    /** A draft Stripe invoice that takes only the items we attach to it (never other pending items). */
    public String createInvoice(InvoiceRequest r) {
        InvoiceCreateParams p = InvoiceCreateParams.builder()
                .setCustomer(r.stripeCustomerId())
                .setCurrency(r.currency().toLowerCase(Locale.ROOT))
                .setCollectionMethod(InvoiceCreateParams.CollectionMethod.CHARGE_AUTOMATICALLY)
                .setAutoAdvance(false)
                .setPendingInvoiceItemsBehavior(InvoiceCreateParams.PendingInvoiceItemsBehavior.EXCLUDE)
                .setDescription(r.description())
                .putAllMetadata(Map.of("apimon_invoice_id", r.invoiceId(), "apimon_invoice_number", r.number()))
                .build();
        return call("create invoice for " + r.invoiceId(), () -> client().v1().invoices().create(p, options(invoiceKey(r.invoiceId()))).getId());
    }

    /** One of our lines as an invoice item, in integer minor units (negative for credits and discounts). */
    public String createItem(ItemRequest r) {
        InvoiceItemCreateParams p = InvoiceItemCreateParams.builder()
                .setCustomer(r.stripeCustomerId())
                .setInvoice(r.stripeInvoiceId())
                .setAmount(r.amountMinor())
                .setCurrency(r.currency().toLowerCase(Locale.ROOT))
                .setDescription(r.description())
                .putAllMetadata(Map.of("apimon_invoice_id", r.invoiceId(), "apimon_line", String.valueOf(r.lineNo())))
                .build();
        return call("create item " + r.lineNo() + " of " + r.invoiceId(), () -> {
            InvoiceItem item = client().v1().invoiceItems().create(p, options(itemKey(r.invoiceId(), r.lineNo())));
            return item.getId();
        });
    }

    /** Finalizes the Stripe invoice and lets Stripe collect it automatically. */
    public String finalizeInvoice(String invoiceId, String stripeInvoiceId) {
        InvoiceFinalizeInvoiceParams p = InvoiceFinalizeInvoiceParams.builder().setAutoAdvance(true).build();
        return call("finalize " + invoiceId, () -> {
            Invoice i = client().v1().invoices().finalizeInvoice(stripeInvoiceId, p, options(finalizeKey(invoiceId)));
            return i.getStatus();
        });
    }

    public String voidInvoice(String invoiceId, String stripeInvoiceId) {
        return call("void " + invoiceId, () -> client().v1().invoices()
                .voidInvoice(stripeInvoiceId, InvoiceVoidInvoiceParams.builder().build(), options(voidKey(invoiceId))).getStatus());
    }

    /** Deletes a Stripe draft that was never finalized (the invoice was voided on our side first). */
    public void deleteDraft(String invoiceId, String stripeInvoiceId) {
        call("delete draft of " + invoiceId, () -> client().v1().invoices().delete(stripeInvoiceId, options(invoiceKey(invoiceId) + "-delete")).getId());
    }

    /**
     * A dunning retry: asks Stripe to charge the invoice now. A declined card is a normal outcome (Stripe then sends
     * {@code invoice.payment_failed}), so it answers "declined" instead of failing.
     */
    public String pay(String invoiceId, String stripeInvoiceId, int attempt) {
        try {
            return call("pay " + invoiceId, () -> client().v1().invoices()
                    .pay(stripeInvoiceId, InvoicePayParams.builder().build(), options(payKey(invoiceId, attempt))).getStatus());
        } catch (StripeFailure f) {
            if (f.getCause() instanceof CardException) {
                return "declined";
            }
            throw f;
        }
    }

    private RequestOptions options(String idempotencyKey) {
        return RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
    }

    private StripeClient client() {
        StripeClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    String key = config.apiKey().orElseThrow(() -> new StripeFailure("Stripe is not configured (STRIPE_API_KEY)", false, null));
                    StripeClient.StripeClientBuilder b = StripeClient.builder().setApiKey(key).setMaxNetworkRetries(0)
                            .setConnectTimeout(10_000).setReadTimeout(30_000);
                    config.apiBase().ifPresent(b::setApiBase);
                    client = b.build();
                }
                c = client;
            }
        }
        return c;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws StripeException;
    }

    private static <T> T call(String what, Call<T> call) {
        try {
            return call.run();
        } catch (ApiConnectionException | RateLimitException e) {
            throw new StripeFailure(what + ": " + e.getMessage(), true, e);
        } catch (IdempotencyException e) {
            throw new StripeFailure(what + ": " + e.getMessage(), false, e);
        } catch (ApiException e) {
            throw new StripeFailure(what + ": " + describe(e), true, e);
        } catch (StripeException e) {
            Integer status = e.getStatusCode();
            boolean retry = status != null && (status == 409 || status == 429 || status >= 500);
            throw new StripeFailure(what + ": " + describe(e), retry, e);
        }
    }

    private static String describe(StripeException e) {
        return (e.getStatusCode() == null ? "" : "HTTP " + e.getStatusCode() + " ") + (e.getCode() == null ? "" : e.getCode() + " ")
                + (e.getStripeError() != null && e.getStripeError().getMessage() != null ? e.getStripeError().getMessage() : e.getMessage());
    }
}
