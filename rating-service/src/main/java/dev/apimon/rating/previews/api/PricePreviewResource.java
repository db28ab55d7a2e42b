package dev.apimon.rating.previews.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import dev.apimon.rating.previews.domain.PreviewService;
import dev.apimon.rating.pricing.Quote;
import dev.apimon.rating.pricing.QuoteLine;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/v1/price-previews")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PricePreviewResource {
    private final PreviewService previews;
    private final Caller caller;

    public PricePreviewResource(PreviewService previews, Caller caller) {
        this.previews = previews;
        this.caller = caller;
    }

    public record Line(String type, String description, String meter, BigDecimal quantity, BigDecimal amount) {
    }

    public record Preview(String currency, List<Line> lines, BigDecimal subtotal, BigDecimal discount, BigDecimal creditsApplied,
                          BigDecimal minimumCommitmentTrueUp, BigDecimal total) {
    }

    @POST
    @Authenticated
    @Operation(summary = "Price a usage map on a plan", description = "Rounded per line to the currency's minor units (HALF_UP); "
            + "credits apply only when customer_id is given.")
    public Preview preview(JsonNode body) throws SQLException {
        if (body == null || !body.isObject()) {
            throw ProblemException.invalid("body", "a JSON object with plan and usage is required");
        }
        String customerId = body.hasNonNull("customer_id") ? body.get("customer_id").asText() : null;
        if (customerId != null) {
            caller.requireAccessTo("customer", customerId);
        }
        Quote q = previews.preview(body.get("plan"), body.get("usage"), customerId, caller.isAdmin());
        return new Preview(q.currency(), q.lines().stream().map(PricePreviewResource::line).toList(), q.subtotal(), q.discount(),
                q.creditsApplied(), q.minimumCommitmentTrueUp(), q.total());
    }

    private static Line line(QuoteLine l) {
        return new Line(l.type(), l.description(), l.meter(), l.quantity(), l.amount());
    }
}
