package dev.apimon.portal.downstream;

import dev.apimon.platform.problem.ProblemException;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Calls another service with the signed-in user's access token (from the bearer header or the session), so the
 * downstream service applies its own authorization as well. A service that is down or slow answers a 503
 * problem naming it — the portal shows that panel's error and the rest of the page keeps working.
 */
@RequestScoped
public class Downstream {
    private static final Logger LOG = Logger.getLogger(Downstream.class);
    private final SecurityIdentity identity;

    public Downstream(SecurityIdentity identity) {
        this.identity = identity;
    }

    public String bearer() {
        AccessTokenCredential token = identity.getCredential(AccessTokenCredential.class);
        if (token == null) {
            throw new ProblemException(401, "UNAUTHORIZED", "Unauthorized", "no access token in the session", List.of());
        }
        return "Bearer " + token.getToken();
    }

    public <T> T call(String service, Function<String, T> call) {
        String auth = bearer();
        try {
            return call.apply(auth);
        } catch (WebApplicationException e) {
            Response r = e.getResponse();
            if (r.getStatus() >= 500) {
                throw unavailable(service, "answered HTTP " + r.getStatus());
            }
            // the downstream 4xx (its problem+json) goes to the client as it is
            String body;
            try {
                body = r.readEntity(String.class);
            } catch (RuntimeException unreadable) {
                body = null;
            }
            throw new DownstreamRejection(r.getStatus(), body);
        } catch (ProblemException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warnf("%s call failed: %s", service, e.toString());
            throw unavailable(service, e.getClass().getSimpleName());
        }
    }

    private static ProblemException unavailable(String service, String why) {
        return new ProblemException(503, "SERVICE_UNAVAILABLE", "Service unavailable", service + " is unavailable (" + why + ")", List.of());
    }
}
