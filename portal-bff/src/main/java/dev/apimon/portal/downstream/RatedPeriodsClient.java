package dev.apimon.portal.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.oidc.client.filter.OidcClientFilter;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * rating-service's rated periods, which only {@code platform-admin} may read. Called with the client-credentials
 * token of the {@code portal-bff} client's service account (realm role platform-admin), never with the user's
 * token — so the ONLY caller ({@code MyPortalResource}) passes the signed-in customer's own id from its token and
 * nothing from the request. Config key {@code rating-service}, like {@link RatingClient}.
 */
@RegisterRestClient(configKey = "rating-service")
@OidcClientFilter
@Produces(MediaType.APPLICATION_JSON)
@Retry(maxRetries = 2, delay = 100, retryOn = jakarta.ws.rs.ProcessingException.class)
@CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 5000, skipOn = jakarta.ws.rs.WebApplicationException.class)
public interface RatedPeriodsClient {
    @GET
    @Path("/v1/customers/{id}/rated-periods")
    JsonNode ratedPeriod(@PathParam("id") String customerId, @QueryParam("period_start") String periodStart);
}
