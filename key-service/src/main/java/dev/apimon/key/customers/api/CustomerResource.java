package dev.apimon.key.customers.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.key.customers.domain.Customer;
import dev.apimon.key.customers.domain.CustomerService;
import dev.apimon.key.customers.domain.NewCustomer;
import dev.apimon.key.idempotency.store.IdempotencyStore;
import dev.apimon.key.keys.domain.KeyService;
import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import io.quarkus.security.Authenticated;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class CustomerResource {
    private final CustomerService customers;
    private final Caller caller;
    private final IdempotencyStore idempotency;

    public CustomerResource(CustomerService customers, Caller caller, IdempotencyStore idempotency) {
        this.customers = customers;
        this.caller = caller;
        this.idempotency = idempotency;
    }

    @POST
    @Path("/customers")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Create a customer", description = "Publishes com.apimon.customer.created on customers.events. "
            + "With an Idempotency-Key header a repeat (same caller, same key, same body) returns the first result.")
    public Response create(CustomerRequest body, @HeaderParam(IdempotencyStore.HEADER) String idempotencyKey) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON customer is required");
        }
        NewCustomer in = NewCustomer.validate(body.externalId(), body.name(), body.email(), body.currency(), body.attributes());
        if (body.id() != null && !body.id().matches("cus_[A-Za-z0-9_]{3,40}")) {
            throw ProblemException.invalid("id", "must look like cus_ followed by 3-40 letters, digits or _");
        }
        IdempotencyStore.Request idem = idempotency.request(caller.name() + " POST /v1/customers", idempotencyKey, fingerprint(in));
        CustomerService.Created created = customers.create(in, body.id(), idem);
        if (created.replay() != null) {
            return Response.status(created.replay().status()).entity(created.replay().body())
                    .type(MediaType.APPLICATION_JSON).header("Idempotent-Replayed", "true").build();
        }
        Customer c = created.customer();
        return Response.created(URI.create("/v1/customers/" + c.id())).entity(c).build();
    }

    @GET
    @Path("/customers/{id}")
    @Authenticated
    @Operation(summary = "Get a customer", description = "Admins see any customer; a customer token only its own.")
    public Customer get(@PathParam("id") String id) throws SQLException {
        caller.requireAccessTo("customer", id);
        return customers.find(id).orElseThrow(() -> ProblemException.notFound("customer", id));
    }

    @PUT
    @Path("/customers/{id}")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Replace a customer's fields", description = "external_id, name, email, currency, attributes; absent "
            + "optional fields are cleared. Publishes com.apimon.customer.updated when anything changed.")
    public Customer replace(@PathParam("id") String id, CustomerRequest body) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON customer is required");
        }
        NewCustomer next = NewCustomer.validate(body.externalId(), body.name(), body.email(), body.currency(), body.attributes());
        return customers.update(id, current -> next);
    }

    @PATCH
    @Path("/customers/{id}")
    @RolesAllowed(Caller.ADMIN)
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @Operation(summary = "Update some of a customer's fields (JSON Merge Patch)", description = "null clears a field; attributes "
            + "merge key by key (null removes a key). Publishes com.apimon.customer.updated when anything changed.")
    public Customer patch(@PathParam("id") String id, JsonNode body) throws SQLException {
        if (body == null || !body.isObject()) {
            throw ProblemException.invalid("body", "a JSON object (merge patch) is required");
        }
        return customers.update(id, current -> CustomerPatch.apply(current, body));
    }

    @POST
    @Path("/customers/{id}/archive")
    @RolesAllowed(Caller.ADMIN)
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Archive a customer", description = "Terminal: revokes its keys, cancels its subscription and publishes "
            + "com.apimon.customer.archived, all in one transaction. Idempotent.")
    public Customer archive(@PathParam("id") String id, @Context HttpServerRequest http) throws SQLException {
        return customers.archive(id, new KeyService.Actor(caller.name(), sourceIp(http)));
    }

    @GET
    @Path("/customers")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "List customers", description = "Cursor-paginated by id; filter with attribute=key:value and status=active|archived.")
    public PageResponse<Customer> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                                       @QueryParam("attribute") String attribute, @QueryParam("status") String status) throws SQLException {
        PageRequest page = PageRequest.of(limit, cursor);
        String key = null;
        String value = null;
        if (attribute != null) {
            int colon = attribute.indexOf(':');
            if (colon <= 0) {
                throw ProblemException.invalid("attribute", "must be key:value");
            }
            key = attribute.substring(0, colon);
            value = attribute.substring(colon + 1);
        }
        if (status != null && !Customer.ACTIVE.equals(status) && !Customer.ARCHIVED.equals(status)) {
            throw ProblemException.invalid("status", "must be active or archived");
        }
        List<Customer> rows = customers.page(page.cursor(), key, value, status, page.limit() + 1);
        boolean more = rows.size() > page.limit();
        List<Customer> data = more ? rows.subList(0, page.limit()) : rows;
        return PageResponse.of(data, more ? data.get(data.size() - 1).id() : null);
    }

    private static Map<String, Object> fingerprint(NewCustomer in) {
        Map<String, Object> m = new TreeMap<>();
        m.put("external_id", in.externalId());
        m.put("name", in.name());
        m.put("email", in.email());
        m.put("currency", in.currency());
        m.put("attributes", new TreeMap<>(in.attributes()));
        return m;
    }

    static String sourceIp(HttpServerRequest http) {
        String forwarded = http.getHeader("X-Forwarded-For");
        return forwarded != null ? forwarded.split(",")[0].strip()
                : http.remoteAddress() == null ? null : http.remoteAddress().hostAddress();
    }
}
