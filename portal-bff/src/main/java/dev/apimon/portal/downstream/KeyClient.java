package dev.apimon.portal.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

@RegisterRestClient(configKey = "key-service")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Retry(maxRetries = 2, delay = 100, retryOn = jakarta.ws.rs.ProcessingException.class)
@CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 5000, skipOn = jakarta.ws.rs.WebApplicationException.class)
public interface KeyClient {
    @GET
    @Path("/v1/customers/{id}/keys")
    JsonNode keys(@HeaderParam("Authorization") String auth, @PathParam("id") String customerId,
                  @QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor);

    @GET
    @Path("/v1/keys/{id}")
    JsonNode key(@HeaderParam("Authorization") String auth, @PathParam("id") String keyId);

    /** Not retried: creating twice would issue two keys. */
    @POST
    @Path("/v1/customers/{id}/keys")
    @Retry(maxRetries = 0)
    JsonNode create(@HeaderParam("Authorization") String auth, @PathParam("id") String customerId, JsonNode body);

    @POST
    @Path("/v1/keys/{id}/rotate")
    @Retry(maxRetries = 0)
    JsonNode rotate(@HeaderParam("Authorization") String auth, @PathParam("id") String keyId, JsonNode body);

    @DELETE
    @Path("/v1/keys/{id}")
    JsonNode revoke(@HeaderParam("Authorization") String auth, @PathParam("id") String keyId);
}
