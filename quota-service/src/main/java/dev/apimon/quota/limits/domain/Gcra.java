package dev.apimon.quota.limits.domain;

/**
 * Generic Cell Rate Algorithm (virtual scheduling form, ITU-T I.371) for "limit requests per window".
 * Times are integer microseconds so the Lua script and this class compute bit-identical results.
 *
 * <p>Each request of cost n pushes the theoretical arrival time (TAT) n emission intervals into the future; it
 * conforms while TAT stays within {@code capacity} of now. Unlike fixed windows there is no window edge to burst
 * across: after a full burst, capacity returns one emission interval at a time.
 */
public record Gcra(long limit, long windowMicros, long emissionMicros, long capacityMicros) {

    public static Gcra of(long limit, long windowMicros) {
        if (limit <= 0 || windowMicros <= 0) {
            throw new IllegalArgumentException("limit and window must be positive");
        }
        // integer emission interval; capacity = limit * emission (not the window) so exactly `limit` requests fit
        long emission = Math.max(1, Math.round((double) windowMicros / limit));
        return new Gcra(limit, windowMicros, emission, Math.multiplyExact(emission, limit));
    }

    /** The outcome of one request: whether it conforms and the TAT afterwards (unchanged when it does not). */
    public record Step(boolean conforms, long tat) {
    }

    public Step decide(long tat, long now, long cost) {
        long base = Math.max(tat, now);
        long next = base + emissionMicros * cost;
        if (next - now > capacityMicros) {
            return new Step(false, tat);
        }
        return new Step(true, next);
    }

    /** Unit-cost requests that would still conform now, given TAT - now (after the decision). */
    public long remaining(long tatDelta) {
        long d = Math.max(0, tatDelta);
        return Math.max(0, (capacityMicros - d) / emissionMicros);
    }

    /** Seconds until the limit is fully restored (TAT reached). */
    public long resetSeconds(long tatDelta) {
        return ceilSeconds(Math.max(0, tatDelta));
    }

    /** Seconds until a denied request of this cost would conform; never below 1 (Retry-After of 0 invites a spin). */
    public long retryAfterSeconds(long tatDelta, long cost) {
        long wait = Math.max(0, tatDelta) + emissionMicros * cost - capacityMicros;
        return Math.max(1, ceilSeconds(wait));
    }

    public long windowSeconds() {
        return Math.max(1, ceilSeconds(windowMicros));
    }

    public static long ceilSeconds(long micros) {
        return micros <= 0 ? 0 : (micros + 999_999) / 1_000_000;
    }
}
