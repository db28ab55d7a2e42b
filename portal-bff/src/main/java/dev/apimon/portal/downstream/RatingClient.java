package dev.apimon.portal.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * rating-service, called with the signed-in user's token (its own authorization applies too: a customer token reads
 * only its own customer).
 */
@RegisterRestClient(configKey = "rating-service")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Retry(maxRetries = 2, delay = 100, retryOn = jakarta.ws.rs.ProcessingException.class)
@CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 5000, skipOn = jakarta.ws.rs.WebApplicationException.class)
public interface RatingClient {
    @GET
    @Path("/v1/customers/{id}/spend")
    JsonNode spend(@HeaderParam("Authorization") String auth, @PathParam("id") String customerId);

    @GET
    @Path("/v1/customers/{id}/rated-periods")
    JsonNode ratedPeriod(@HeaderParam("Authorization") String auth, @PathParam("id") String customerId,
                         @QueryParam("period_start") String periodStart);

    @GET
    @Path("/v1/plans")
    JsonNode plans(@HeaderParam("Authorization") String auth, @QueryParam("status") String status, @QueryParam("limit") Integer limit);

    @POST
    @Path("/v1/price-previews")
    JsonNode preview(@HeaderParam("Authorization") String auth, JsonNode body);

    @GET
    @Path("/v1/customers/{id}/alerts")
    JsonNode alerts(@HeaderParam("Authorization") String auth, @PathParam("id") String customerId,
                    @QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor);

    @GET
    @Path("/v1/customers/{id}/spend-alerts")
    JsonNode spendAlerts(@HeaderParam("Authorization") String auth, @PathParam("id") String customerId);

    @PUT
    @Path("/v1/customers/{id}/spend-alerts")
    JsonNode setSpendAlerts(@HeaderParam("Authorization") String auth, @PathParam("id") String customerId, JsonNode body);

    @POST
    @Path("/v1/simulations")
    JsonNode simulate(@HeaderParam("Authorization") String auth, JsonNode body);

    @GET
    @Path("/v1/simulations/{id}")
    JsonNode simulation(@HeaderParam("Authorization") String auth, @PathParam("id") String id);
}
