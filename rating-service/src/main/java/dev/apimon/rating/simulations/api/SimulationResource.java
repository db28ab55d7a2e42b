package dev.apimon.rating.simulations.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import dev.apimon.rating.simulations.domain.SimulationService;
import dev.apimon.rating.simulations.store.SimulationStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Provider staff: what a plan version (a draft included) would have earned from real customers' past usage. */
@Path("/v1/simulations")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Caller.ADMIN)
public class SimulationResource {
    static final int MAX_PERIODS = 24;
    static final int MAX_CUSTOMER_IDS = 10_000;
    static final String DEFAULT_SEGMENT_BY = "region";

    private final SimulationService simulations;

    public SimulationResource(SimulationService simulations) {
        this.simulations = simulations;
    }

    @POST
    @Operation(summary = "Simulate a plan version on past usage",
            description = "{\"plan\": {\"code\", \"version\"}, \"customers\": {\"all\": true} | {\"plan_code\"} | {\"segment\": {attr: value}} "
                    + "| {\"customer_ids\": [...]}, \"periods\": 3, \"segment_by\": \"region\"}. 201 with the result when small; "
                    + "otherwise 202 and a job to poll at GET /v1/simulations/{id}.")
    public Response start(JsonNode body) throws SQLException {
        SimulationService.Started started = simulations.start(parse(body));
        return Response.status(started.job() ? 202 : 201).location(URI.create("/v1/simulations/" + started.view().id()))
                .entity(started.view()).build();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A simulation: its progress, then its result")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = SimulationService.View.class)))
    public Response get(@PathParam("id") String id) throws SQLException {
        String json = simulations.findJson(id).orElseThrow(() -> ProblemException.notFound("simulation", id));
        return Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build();
    }

    static SimulationService.Request parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.invalid("body", "a JSON object is required");
        }
        List<FieldError> errors = new ArrayList<>();
        SimulationService.PlanRef plan = null;
        JsonNode p = body.get("plan");
        if (p == null || !p.isObject()) {
            errors.add(new FieldError("plan", "is required: {\"code\", \"version\"} of a plan version (drafts included)"));
        } else {
            JsonNode code = p.get("code");
            JsonNode version = p.get("version");
            if (code == null || !code.isTextual() || code.asText().isBlank()) {
                errors.add(new FieldError("plan.code", "is required"));
            }
            if (version == null || !version.isIntegralNumber() || !version.canConvertToInt() || version.asInt() < 1) {
                errors.add(new FieldError("plan.version", "must be a version number"));
            }
            if (errors.isEmpty()) {
                plan = new SimulationService.PlanRef(code.asText(), version.asInt());
            }
        }
        SimulationStore.Selector selector = selector(body.get("customers"), errors);
        int periods = 1;
        JsonNode n = body.get("periods");
        if (n != null && !n.isNull()) {
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1 || n.asInt() > MAX_PERIODS) {
                errors.add(new FieldError("periods", "must be a whole number from 1 to " + MAX_PERIODS));
            } else {
                periods = n.asInt();
            }
        }
        String segmentBy = selector != null && selector.segment() != null ? selector.segment().keySet().iterator().next() : DEFAULT_SEGMENT_BY;
        JsonNode sb = body.get("segment_by");
        if (sb != null && !sb.isNull()) {
            if (!sb.isTextual() || !sb.asText().matches("[A-Za-z0-9_.-]{1,64}")) {
                errors.add(new FieldError("segment_by", "must be an attribute name (letters, digits, _ . -)"));
            } else {
                segmentBy = sb.asText();
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new SimulationService.Request(plan, selector, periods, segmentBy);
    }

    private static SimulationStore.Selector selector(JsonNode c, List<FieldError> errors) {
        if (c == null || !c.isObject()) {
            errors.add(new FieldError("customers", "is required: {\"all\": true}, {\"plan_code\"}, {\"segment\"} or {\"customer_ids\"}"));
            return null;
        }
        List<String> given = new ArrayList<>();
        c.fieldNames().forEachRemaining(f -> {
            if (List.of("all", "plan_code", "segment", "customer_ids").contains(f)) {
                given.add(f);
            }
        });
        if (given.size() != 1) {
            errors.add(new FieldError("customers", "give exactly one of all, plan_code, segment or customer_ids"));
            return null;
        }
        JsonNode v = c.get(given.get(0));
        switch (given.get(0)) {
            case "all" -> {
                if (!v.isBoolean() || !v.asBoolean()) {
                    errors.add(new FieldError("customers.all", "must be true"));
                    return null;
                }
                return new SimulationStore.Selector(true, null, null, null);
            }
            case "plan_code" -> {
                if (!v.isTextual() || v.asText().isBlank()) {
                    errors.add(new FieldError("customers.plan_code", "must be a plan code"));
                    return null;
                }
                return new SimulationStore.Selector(false, v.asText(), null, null);
            }
            case "segment" -> {
                if (!v.isObject() || v.isEmpty()) {
                    errors.add(new FieldError("customers.segment", "must be an object of attribute → value, e.g. {\"region\": \"GB\"}"));
                    return null;
                }
                Map<String, String> segment = new LinkedHashMap<>();
                Iterator<Map.Entry<String, JsonNode>> it = v.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                        errors.add(new FieldError("customers.segment." + e.getKey(), "must be a text value"));
                    } else {
                        segment.put(e.getKey(), e.getValue().asText());
                    }
                }
                return errors.isEmpty() ? new SimulationStore.Selector(false, null, segment, null) : null;
            }
            default -> {
                if (!v.isArray() || v.isEmpty() || v.size() > MAX_CUSTOMER_IDS) {
                    errors.add(new FieldError("customers.customer_ids", "must list 1 to " + MAX_CUSTOMER_IDS + " customer ids"));
                    return null;
                }
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < v.size(); i++) {
                    if (!v.get(i).isTextual() || v.get(i).asText().isBlank()) {
                        errors.add(new FieldError("customers.customer_ids[" + i + "]", "must be a customer id"));
                    } else {
                        ids.add(v.get(i).asText());
                    }
                }
                return errors.isEmpty() ? new SimulationStore.Selector(false, null, null, ids) : null;
            }
        }
    }
}
