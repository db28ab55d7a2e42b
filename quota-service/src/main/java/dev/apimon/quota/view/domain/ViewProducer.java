package dev.apimon.quota.view.domain;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The single in-memory view of the process. */
public class ViewProducer {
    @Produces
    @Singleton
    QuotaView view() {
        return new QuotaView();
    }
}
