package dev.apimon.invoice.rating.client;

/** rating-service answered, and the answer will not change on retry (e.g. 404: no subscription there yet). */
public class RatingRejected extends RuntimeException {
    private final int status;

    public RatingRejected(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
