package dev.apimon.portal.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

@RegisterRestClient(configKey = "usage-service")
@Produces(MediaType.APPLICATION_JSON)
@Retry(maxRetries = 2, delay = 100, retryOn = jakarta.ws.rs.ProcessingException.class)
@CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 5000, skipOn = jakarta.ws.rs.WebApplicationException.class)
public interface UsageClient {
    @GET
    @Path("/v1/meters")
    JsonNode meters(@HeaderParam("Authorization") String auth);

    @GET
    @Path("/v1/meters/{slug}/usage")
    JsonNode usage(@HeaderParam("Authorization") String auth, @PathParam("slug") String meter, @QueryParam("customer_id") String customerId,
                   @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("window_size") String windowSize,
                   @QueryParam("group_by") String groupBy, @QueryParam("cursor") String cursor);
}
