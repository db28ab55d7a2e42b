package dev.apimon.invoice.rating.client;

/** rating-service could not answer (unreachable, timeout, 5xx) even after retries; the next billing run tries again. */
public class RatingUnavailable extends RuntimeException {
    public RatingUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
