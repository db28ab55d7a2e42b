package dev.apimon.portal.spend.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.portal.downstream.Downstream;
import dev.apimon.portal.downstream.RatingClient;
import dev.apimon.portal.me.api.MyAccount;
import dev.apimon.portal.spend.domain.SpendBoard;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestStreamElementType;

@Path("/api/me/spend")
@Authenticated
public class MySpendResource {
    private final SpendBoard board;
    private final MyAccount me;
    private final Downstream downstream;
    private final RatingClient rating;

    public MySpendResource(SpendBoard board, MyAccount me, Downstream downstream, @RestClient RatingClient rating) {
        this.board = board;
        this.me = me;
        this.downstream = downstream;
        this.rating = rating;
    }

    @GET
    @Blocking
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "My current period spend", description = "Total so far, lines per meter, credits remaining, forecast, quotas.")
    public JsonNode spend() {
        String customer = me.customerId();
        return board.current(customer).orElseGet(() -> downstream.call("rating-service", auth -> rating.spend(auth, customer)));
    }

    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Live spend (Server-Sent Events)", description = "The current state first, then one event per change.")
    public Multi<JsonNode> stream() {
        return board.stream(me.customerId());
    }
}
