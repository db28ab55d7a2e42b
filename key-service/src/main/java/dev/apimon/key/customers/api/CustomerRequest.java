package dev.apimon.key.customers.api;

import java.util.Map;

/** {@code id} is optional: admins may choose it (e.g. to match an identity provider's customer_id claim). */
public record CustomerRequest(String id, String externalId, String name, String email, String currency, Map<String, String> attributes) {
}
