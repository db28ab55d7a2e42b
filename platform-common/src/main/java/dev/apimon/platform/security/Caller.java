package dev.apimon.platform.security;

import dev.apimon.platform.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who is calling: a {@code platform-admin} sees everything; a {@code customer} only the customer named in the
 * token's {@code customer_id} claim. Another customer's data answers 404, so ids cannot be probed.
 */
@RequestScoped
public class Caller {
    public static final String ADMIN = "platform-admin";
    public static final String CUSTOMER = "customer";

    private final SecurityIdentity identity;

    public Caller(SecurityIdentity identity) {
        this.identity = identity;
    }

    public boolean isAdmin() {
        return identity.hasRole(ADMIN);
    }

    public String name() {
        return identity.isAnonymous() ? "anonymous" : identity.getPrincipal().getName();
    }

    /** The customer a customer-role token is bound to; empty for admins and service accounts. */
    public Optional<String> customerId() {
        if (identity.isAnonymous() || !identity.hasRole(CUSTOMER)) {
            return Optional.empty();
        }
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            Object claim = jwt.getClaim("customer_id");
            if (claim != null && !claim.toString().isBlank()) {
                return Optional.of(claim.toString().replace("\"", ""));
            }
        }
        return Optional.empty();
    }

    /** Passes for admins and for the customer itself; anything else is "not found". */
    public void requireAccessTo(String what, String customerId) {
        if (isAdmin()) {
            return;
        }
        if (customerId != null && customerId().filter(customerId::equals).isPresent()) {
            return;
        }
        throw ProblemException.notFound(what, customerId == null ? "?" : customerId);
    }

    /** The customer a list is restricted to: a customer's own id, or the admin's optional filter. */
    public Optional<String> scopeCustomer(String requested) {
        if (isAdmin()) {
            return Optional.ofNullable(requested);
        }
        String own = customerId().orElseThrow(() -> ProblemException.forbidden("the token carries no customer_id"));
        if (requested != null && !requested.equals(own)) {
            throw ProblemException.forbidden("a customer may only read its own data");
        }
        return Optional.of(own);
    }
}
