package dev.apimon.invoice.rating.client;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The calls to rating-service, with retries (SmallRye Fault Tolerance) for transient failures — connection errors,
 * 5xx, 408/429 — and none for answers that will not change (other 4xx). Timeouts are the REST client's
 * ({@code quarkus.rest-client.rating-service.connect-timeout/read-timeout}). Published plan versions are immutable,
 * so they are cached.
 */
@ApplicationScoped
public class RatingGateway {
    private final RatingApi api;
    private final Map<String, PlanVersionDto> plans = new ConcurrentHashMap<>();

    public RatingGateway(@RestClient RatingApi api) {
        this.api = api;
    }

    @Retry(maxRetries = 3, delay = 200, jitter = 100, abortOn = RatingRejected.class)
    public RatedPeriodDto ratedPeriod(String customerId, Instant periodStart) {
        RatedPeriodDto r = call("rated period of " + customerId, () -> api.ratedPeriod(customerId, periodStart.truncatedTo(ChronoUnit.MILLIS).toString()));
        if (r == null || r.periodStart() == null || r.periodEnd() == null || r.currency() == null || r.lines() == null) {
            throw new RatingRejected(200, "rating-service answered an incomplete rated period for " + customerId);
        }
        return r;
    }

    @Retry(maxRetries = 3, delay = 200, jitter = 100, abortOn = RatingRejected.class)
    public PlanVersionDto plan(String code, int version) {
        String key = code + ":" + version;
        PlanVersionDto cached = plans.get(key);
        if (cached != null) {
            return cached;
        }
        PlanVersionDto p = call("plan " + key, () -> api.plan(code, version));
        if (p == null || p.interval() == null) {
            throw new RatingRejected(200, "plan " + key + " has no interval");
        }
        if ("published".equals(p.status()) || "archived".equals(p.status())) {
            plans.put(key, p); // immutable once published
        }
        return p;
    }

    /** Burns credits for an invoice; idempotent per invoice id on rating's side, so a retry never burns twice. */
    @Retry(maxRetries = 3, delay = 200, jitter = 100, abortOn = RatingRejected.class)
    public BigDecimal consumeCredits(String customerId, BigDecimal amount, String currency, String invoiceId) {
        ConsumptionDto c = call("credit consumption for " + invoiceId,
                () -> api.consume(customerId, new ConsumeRequest(amount.toPlainString(), currency, invoiceId)));
        if (c == null || c.consumed() == null) {
            throw new RatingRejected(200, "rating-service answered no consumed amount for " + invoiceId);
        }
        return c.consumed();
    }

    /**
     * Gives back the credits an invoice burnt (it was voided); idempotent per invoice id on rating's side. Empty when
     * rating-service knows no consumption under that id (404): nothing was burnt, so nothing is owed back.
     */
    @Retry(maxRetries = 3, delay = 200, jitter = 100, abortOn = RatingRejected.class)
    public Optional<BigDecimal> reverseCredits(String customerId, String invoiceId) {
        ReversalDto r;
        try {
            r = call("credit reversal for " + invoiceId, () -> api.reverse(customerId, new ReverseRequest(invoiceId)));
        } catch (RatingRejected e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
        if (r == null || r.restored() == null) {
            throw new RatingRejected(200, "rating-service answered no restored amount for " + invoiceId);
        }
        return Optional.of(r.restored());
    }

    private static <T> T call(String what, Supplier<T> s) {
        try {
            return s.get();
        } catch (WebApplicationException e) {
            int status = e.getResponse() == null ? 0 : e.getResponse().getStatus();
            if (status >= 400 && status < 500 && status != 408 && status != 429) {
                throw new RatingRejected(status, what + ": rating-service answered HTTP " + status);
            }
            throw new RatingUnavailable(what + ": rating-service answered HTTP " + status, e);
        } catch (ProcessingException e) {
            throw new RatingUnavailable(what + ": rating-service unreachable (" + rootMessage(e) + ")", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
