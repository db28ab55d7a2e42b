package dev.apimon.portal.me.api;

import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import jakarta.enterprise.context.RequestScoped;

/** The customer every /api/me call is about: always the token's customer_id claim, never a request parameter. */
@RequestScoped
public class MyAccount {
    private final Caller caller;

    public MyAccount(Caller caller) {
        this.caller = caller;
    }

    public String customerId() {
        return caller.customerId().orElseThrow(() -> ProblemException.forbidden(
                "this sign-in is not bound to a customer (no customer_id claim); provider staff use /api/admin"));
    }
}
