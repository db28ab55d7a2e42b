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

@RegisterRestClient(configKey = "invoice-service")
@Retry(maxRetries = 2, delay = 100, retryOn = jakarta.ws.rs.ProcessingException.class)
@CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 5000, skipOn = jakarta.ws.rs.WebApplicationException.class)
public interface InvoiceClient {
    @GET
    @Path("/v1/invoices")
    @Produces(MediaType.APPLICATION_JSON)
    JsonNode invoices(@HeaderParam("Authorization") String auth, @QueryParam("customer_id") String customerId,
                      @QueryParam("status") String status, @QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor);

    @GET
    @Path("/v1/invoices/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    JsonNode invoice(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @GET
    @Path("/v1/invoices/{id}/pdf")
    @Produces("application/pdf")
    byte[] pdf(@HeaderParam("Authorization") String auth, @PathParam("id") String id);
}
