package dev.apimon.portal.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.platform.problem.IntegerParameter;
import dev.apimon.platform.security.Caller;
import dev.apimon.portal.admin.domain.RevenueReport;
import dev.apimon.portal.downstream.Downstream;
import dev.apimon.portal.downstream.RatingClient;
import dev.apimon.portal.spend.domain.CustomerDirectory;
import dev.apimon.portal.spend.domain.SpendBoard;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** Provider staff views: where revenue comes from this period, and plan simulations. */
@Path("/api/admin")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ProviderResource {
    private final SpendBoard board;
    private final CustomerDirectory customers;
    private final Downstream downstream;
    private final RatingClient rating;

    public ProviderResource(SpendBoard board, CustomerDirectory customers, Downstream downstream, @RestClient RatingClient rating) {
        this.board = board;
        this.customers = customers;
        this.downstream = downstream;
        this.rating = rating;
    }

    @GET
    @Path("/revenue")
    @Operation(summary = "Revenue this period", description = "By plan and by a customer attribute (segment, default region), ARPU, "
            + "top customers, customers within 10% of a quota.")
    public Map<String, Object> revenue(@QueryParam("segment") String segment, @QueryParam("top") String topText) {
        Integer top = IntegerParameter.parse(topText, "top", 1, 100);
        String attribute = segment == null || segment.isBlank() ? "region" : segment;
        List<RevenueReport.CustomerSpend> spends = new ArrayList<>();
        for (JsonNode s : board.all()) {
            List<RevenueReport.Gauge> gauges = new ArrayList<>();
            for (JsonNode q : s.path("quotas")) {
                gauges.add(new RevenueReport.Gauge(q.path("meter").asText(), new BigDecimal(q.path("used").asText("0")), q.path("limit").asLong()));
            }
            spends.add(new RevenueReport.CustomerSpend(s.path("customer_id").asText(), s.path("plan").path("code").asText("(none)"),
                    s.path("currency").asText("USD"), new BigDecimal(s.path("total").asText("0")), gauges));
        }
        return Map.of("segment", attribute,
                "reports", RevenueReport.build(spends, id -> customers.attribute(id, attribute), top == null ? 10 : top));
    }

    @POST
    @Path("/simulations")
    @Operation(summary = "Run a plan simulation (rating-service)")
    public JsonNode simulate(JsonNode body) {
        return downstream.call("rating-service", auth -> rating.simulate(auth, body));
    }

    @GET
    @Path("/simulations/{id}")
    public JsonNode simulation(@PathParam("id") String id) {
        return downstream.call("rating-service", auth -> rating.simulation(auth, id));
    }
}
