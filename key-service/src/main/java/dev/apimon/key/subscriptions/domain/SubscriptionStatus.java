package dev.apimon.key.subscriptions.domain;

import java.util.Locale;

public enum SubscriptionStatus {
    ACTIVE, SUSPENDED, CANCELED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SubscriptionStatus fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
