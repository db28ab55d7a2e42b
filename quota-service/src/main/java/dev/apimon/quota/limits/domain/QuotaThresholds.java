package dev.apimon.quota.limits.domain;

/** Alert thresholds of a quota, in units: 80% of 1000 is 800; rounded up so "80% reached" never fires early. */
public final class QuotaThresholds {
    public static final int WARNING = 80;
    public static final int REACHED = 100;

    private QuotaThresholds() {
    }

    public static long units(long limit, int percent) {
        return (limit * percent + 99) / 100;
    }

    /** True when consumption moved the counter from below the threshold to at or above it (limit 0: never). */
    public static boolean crossed(long before, long after, long limit, int percent) {
        if (limit <= 0) {
            return false;
        }
        long t = units(limit, percent);
        return before < t && after >= t;
    }
}
