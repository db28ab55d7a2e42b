package dev.apimon.portal.me.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.problem.IntegerParameter;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.portal.downstream.Downstream;
import dev.apimon.portal.downstream.DownstreamRejection;
import dev.apimon.portal.downstream.InvoiceClient;
import dev.apimon.portal.downstream.KeyClient;
import dev.apimon.portal.downstream.RatingClient;
import dev.apimon.portal.downstream.UsageClient;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/**
 * The signed-in customer's usage, invoices, keys, alerts and pricing calculator. Every call is about the
 * token's own customer; the downstream services check the same token again.
 */
@Path("/api/me")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class MyPortalResource {
    private static final Logger LOG = Logger.getLogger(MyPortalResource.class);
    private final MyAccount me;
    private final Downstream downstream;
    private final RatingClient rating;
    private final KeyClient keys;
    private final UsageClient usage;
    private final InvoiceClient invoices;
    private final ObjectMapper json;

    public MyPortalResource(MyAccount me, Downstream downstream, @RestClient RatingClient rating, @RestClient KeyClient keys,
                            @RestClient UsageClient usage, @RestClient InvoiceClient invoices, ObjectMapper json) {
        this.me = me;
        this.downstream = downstream;
        this.rating = rating;
        this.keys = keys;
        this.usage = usage;
        this.invoices = invoices;
        this.json = json;
    }

    @GET
    @Path("/meters")
    @Operation(summary = "Meters that can be charted")
    public JsonNode meters() {
        me.customerId();
        return downstream.call("usage-service", usage::meters);
    }

    @GET
    @Path("/usage")
    @Operation(summary = "My usage series of one meter", description = "window_size hour|day|month, optional group_by; "
            + "pages of usage-service's size: pass next_cursor back as cursor for the next one.")
    public JsonNode usage(@QueryParam("meter") String meter, @QueryParam("from") String from, @QueryParam("to") String to,
                          @QueryParam("window_size") String windowSize, @QueryParam("group_by") String groupBy,
                          @QueryParam("cursor") String cursor) {
        String customer = me.customerId();
        if (meter == null || meter.isBlank()) {
            throw ProblemException.invalid("meter", "is required");
        }
        return downstream.call("usage-service", auth -> usage.usage(auth, meter, customer, from, to,
                windowSize == null ? "hour" : windowSize, groupBy, cursor));
    }

    @GET
    @Path("/invoices")
    public JsonNode invoices(@QueryParam("status") String status, @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        String customer = me.customerId();
        Integer l = pageLimit(limit);
        return downstream.call("invoice-service", auth -> invoices.invoices(auth, customer, status, l, cursor));
    }

    @GET
    @Path("/invoices/{id}")
    public JsonNode invoice(@PathParam("id") String id) {
        me.customerId();
        return downstream.call("invoice-service", auth -> invoices.invoice(auth, id));
    }

    @GET
    @Path("/invoices/{id}/pdf")
    @Produces("application/pdf")
    public Response invoicePdf(@PathParam("id") String id) {
        me.customerId();
        byte[] pdf = downstream.call("invoice-service", auth -> invoices.pdf(auth, id));
        return Response.ok(pdf, "application/pdf").header("Content-Disposition", "inline; filename=\"" + id + ".pdf\"").build();
    }

    @GET
    @Path("/keys")
    public JsonNode keys(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        String customer = me.customerId();
        Integer l = pageLimit(limit);
        return downstream.call("key-service", auth -> keys.keys(auth, customer, l, cursor));
    }

    @POST
    @Path("/keys")
    @Operation(summary = "Create a key", description = "The key is shown in this response only.")
    public Response createKey(JsonNode body) {
        String customer = me.customerId();
        JsonNode created = downstream.call("key-service", auth -> keys.create(auth, customer, body == null ? json.createObjectNode() : body));
        return Response.status(201).entity(created).build();
    }

    @POST
    @Path("/keys/{id}/rotate")
    public JsonNode rotateKey(@PathParam("id") String keyId, JsonNode body) {
        me.customerId();
        return downstream.call("key-service", auth -> keys.rotate(auth, keyId, body == null ? json.createObjectNode() : body));
    }

    @DELETE
    @Path("/keys/{id}")
    public JsonNode revokeKey(@PathParam("id") String keyId) {
        me.customerId();
        return downstream.call("key-service", auth -> keys.revoke(auth, keyId));
    }

    @GET
    @Path("/alerts")
    public JsonNode alerts(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        String customer = me.customerId();
        Integer l = pageLimit(limit);
        return downstream.call("rating-service", auth -> rating.alerts(auth, customer, l, cursor));
    }

    @GET
    @Path("/spend-alerts")
    public JsonNode spendAlerts() {
        String customer = me.customerId();
        return downstream.call("rating-service", auth -> rating.spendAlerts(auth, customer));
    }

    @PUT
    @Path("/spend-alerts")
    public JsonNode setSpendAlerts(JsonNode body) {
        String customer = me.customerId();
        return downstream.call("rating-service", auth -> rating.setSpendAlerts(auth, customer, body));
    }

    @GET
    @Path("/price-previews")
    @Operation(summary = "What would I pay on each plan", description = "Every published plan priced with my last closed "
            + "period's usage (or this period's so far when there is none); usage_source says which.")
    public JsonNode pricePreviews() {
        String customer = me.customerId();
        UsageBasis basis = lastUsage(customer);
        JsonNode plans = downstream.call("rating-service", auth -> rating.plans(auth, "published", 200));
        ArrayNode out = json.createArrayNode();
        for (JsonNode plan : plans.path("data")) {
            ObjectNode req = json.createObjectNode();
            req.set("plan", json.createObjectNode().put("code", plan.path("code").asText()).put("version", plan.path("version").asInt()));
            req.set("usage", basis.usage());
            JsonNode preview = downstream.call("rating-service", auth -> rating.preview(auth, req));
            ObjectNode row = json.createObjectNode();
            row.put("plan_code", plan.path("code").asText());
            row.put("plan_version", plan.path("version").asInt());
            row.put("plan_name", plan.path("name").asText());
            row.set("preview", preview);
            out.add(row);
        }
        ObjectNode result = basis.describe(json.createObjectNode());
        result.set("data", out);
        return result;
    }

    @POST
    @Path("/price-previews")
    @Operation(summary = "Price a plan with my usage or with the usage I give",
            description = "Only plan and usage are read from the body; the customer is always the token's.")
    public JsonNode pricePreview(JsonNode body) {
        String customer = me.customerId();
        if (body == null || !body.has("plan")) {
            throw ProblemException.invalid("plan", "is required");
        }
        ObjectNode req = json.createObjectNode();
        req.set("plan", body.get("plan"));
        req.set("usage", body.has("usage") ? body.get("usage") : lastUsage(customer).usage());
        return downstream.call("rating-service", auth -> rating.preview(auth, req));
    }

    /** The usage the calculator prices, and where it comes from. */
    record UsageBasis(ObjectNode usage, String source, String periodStart, String periodEnd) {
        ObjectNode describe(ObjectNode out) {
            out.set("usage", usage);
            out.put("usage_source", source);
            out.put("usage_period_start", periodStart);
            out.put("usage_period_end", periodEnd);
            return out;
        }
    }

    /**
     * Quantities per meter of the last closed period, else of the current one so far. Both come from rating with the
     * user's token (rating lets a customer read its own spend and rated periods) — always for {@code customer}, the
     * token's own customer_id, never anything from the request.
     */
    private UsageBasis lastUsage(String customer) {
        JsonNode current = downstream.call("rating-service", auth -> rating.spend(auth, customer));
        JsonNode period = current;
        String source = "current_period";
        String start = current.path("period_start").asText(null);
        if (start != null) {
            try {
                String previousStart = Instant.parse(start).minusMillis(1).toString();
                JsonNode previous = downstream.call("rating-service", auth -> rating.ratedPeriod(auth, customer, previousStart));
                if (customer.equals(previous.path("customer_id").asText(customer))) {
                    period = previous;
                    source = "last_period";
                }
            } catch (DownstreamRejection noPreviousPeriod) {
                // 400 (the subscription started this period) or 404: there is no previous period to price
                if (noPreviousPeriod.status() != 400 && noPreviousPeriod.status() != 404) {
                    LOG.warnf("rated period of %s refused (HTTP %d): the calculator uses the current period", customer, noPreviousPeriod.status());
                }
            } catch (RuntimeException unavailable) {
                LOG.warnf("rated period of %s unavailable (%s): the calculator uses the current period", customer, unavailable.getMessage());
            }
        }
        ObjectNode usageMap = json.createObjectNode();
        for (JsonNode line : period.path("lines")) {
            if ("usage".equals(line.path("type").asText()) && line.hasNonNull("meter")) {
                usageMap.put(line.get("meter").asText(), line.path("quantity").asText("0"));
            }
        }
        return new UsageBasis(usageMap, source, period.path("period_start").asText(null), period.path("period_end").asText(null));
    }

    /** "abc" or 0 is this service's 400 naming limit (as every service answers it), not a bare 404 or a downstream error. */
    private static Integer pageLimit(String limit) {
        return IntegerParameter.parse(limit, "limit", 1, PageRequest.MAX_LIMIT);
    }
}
