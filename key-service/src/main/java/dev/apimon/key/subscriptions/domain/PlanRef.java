package dev.apimon.key.subscriptions.domain;

/** A plan version reference; {@code code:version} is also the billing.catalog record key. */
public record PlanRef(String code, int version) {
    public String key() {
        return code + ":" + version;
    }

    @Override
    public String toString() {
        return key();
    }
}
