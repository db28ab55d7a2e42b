package dev.apimon.portal.me;

import dev.apimon.platform.security.Caller;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Who is signed in: the portal uses it to pick the customer or the provider views. */
@Path("/api/me")
@Produces(MediaType.APPLICATION_JSON)
public class MeResource {
    private final Caller caller;
    private final SecurityIdentity identity;

    public MeResource(Caller caller, SecurityIdentity identity) {
        this.caller = caller;
        this.identity = identity;
    }

    public record Me(String username, String customerId, List<String> roles) {
    }

    @GET
    @Authenticated
    @Operation(summary = "The signed-in user", description = "Accepts the session cookie or a bearer token.")
    public Me me() {
        return new Me(caller.name(), caller.customerId().orElse(null), identity.getRoles().stream().sorted().toList());
    }
}
