package dev.apimon.quota.limits.domain;

/** A plan's per-period cap on one meter; hard denies past the limit, soft allows and marks the check over quota. */
public record QuotaSpec(String meter, long limit, boolean hard) {
    public String enforcement() {
        return hard ? "hard" : "soft";
    }
}
