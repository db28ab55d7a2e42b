package dev.apimon.invoice.rating.client;

import io.quarkus.oidc.client.filter.OidcClientFilter;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * rating-service's REST API as invoice-service uses it, called with a client-credentials token of the Keycloak
 * client {@code apimon-services} (role platform-admin). Config key {@code rating-service}.
 */
@RegisterRestClient(configKey = "rating-service")
@OidcClientFilter
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface RatingApi {

    @GET
    @Path("/customers/{id}/rated-periods")
    RatedPeriodDto ratedPeriod(@PathParam("id") String customerId, @QueryParam("period_start") String periodStart);

    @GET
    @Path("/plans/{code}/versions/{version}")
    PlanVersionDto plan(@PathParam("code") String code, @PathParam("version") int version);

    @POST
    @Path("/customers/{id}/credits/consumptions")
    ConsumptionDto consume(@PathParam("id") String customerId, ConsumeRequest body);

    @POST
    @Path("/customers/{id}/credits/reversals")
    ReversalDto reverse(@PathParam("id") String customerId, ReverseRequest body);
}
