package dev.apimon.key.customers.domain;

import java.time.Instant;
import java.util.Map;

/** A customer of the API provider; {@code id} is ours ("cus_..."), {@code externalId} the provider's. */
public record Customer(String id, String externalId, String name, String email, String currency,
                       Map<String, String> attributes, String status, Instant createdAt, Instant updatedAt) {
    public static final String ACTIVE = "active";
    public static final String ARCHIVED = "archived";

    public boolean archived() {
        return ARCHIVED.equals(status);
    }

    /** The same customer with new values (id, status and creation time never change here). */
    public Customer with(NewCustomer v, Instant now) {
        return new Customer(id, v.externalId(), v.name(), v.email(), v.currency(), v.attributes(), status, createdAt, now);
    }

    /** Whether applying {@code v} would change anything. */
    public boolean sameAs(NewCustomer v) {
        return java.util.Objects.equals(externalId, v.externalId()) && name.equals(v.name()) && java.util.Objects.equals(email, v.email())
                && currency.equals(v.currency()) && attributes.equals(v.attributes());
    }
}
