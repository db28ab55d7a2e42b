package dev.apimon.invoice.support;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Stripe webhook events as Stripe sends them: the JSON of an invoice event and its Stripe-Signature header. */
public final class StripeEvents {
    private StripeEvents() {
    }

    public static String sign(String payload, String secret, long timestamp) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String sig = HexFormat.of().formatHex(mac.doFinal((timestamp + "." + payload).getBytes(StandardCharsets.UTF_8)));
        return "t=" + timestamp + ",v1=" + sig;
    }

    public static String event(String eventId, String type, String stripeInvoiceId, String ourInvoiceId, long created) {
        return "{\"id\":\"" + eventId + "\",\"object\":\"event\",\"api_version\":\"2025-08-27.basil\",\"created\":" + created
                + ",\"livemode\":false,\"pending_webhooks\":1,\"type\":\"" + type + "\",\"data\":{\"object\":{\"id\":\"" + stripeInvoiceId
                + "\",\"object\":\"invoice\",\"status\":\"open\",\"attempt_count\":1,\"metadata\":{\"apimon_invoice_id\":\"" + ourInvoiceId + "\"}}}}";
    }
}
