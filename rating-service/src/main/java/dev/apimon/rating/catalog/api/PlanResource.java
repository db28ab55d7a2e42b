package dev.apimon.rating.catalog.api;

import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import dev.apimon.rating.catalog.domain.CatalogEntry;
import dev.apimon.rating.catalog.domain.CatalogService;
import dev.apimon.rating.pricing.PlanVersion;
import io.quarkus.security.Authenticated;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.sql.SQLException;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The plan catalog. Provider staff manage it; customers read published versions (for the pricing calculator). */
@Path("/v1/plans")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PlanResource {
    private final CatalogService catalog;
    private final Caller caller;

    public PlanResource(CatalogService catalog, Caller caller) {
        this.catalog = catalog;
        this.caller = caller;
    }

    public record VersionRef(String code, int version, String status) {
    }

    @POST
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Create a draft", description = "Creates the plan (version 1) or its next version as a draft.")
    public Response create(PlanVersion body) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a plan-version document is required");
        }
        CatalogEntry e = catalog.createDraft(body);
        return Response.created(URI.create("/v1/plans/" + e.plan().code() + "/versions/" + e.plan().version()))
                .entity(new VersionRef(e.plan().code(), e.plan().version(), e.status())).build();
    }

    @GET
    @Authenticated
    @Operation(summary = "List plan versions", description = "Customers see published versions only.")
    public PageResponse<PlanVersion> list(@QueryParam("code") String code, @QueryParam("status") String status,
                                          @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) throws SQLException {
        PageRequest page = PageRequest.of(limit, cursor);
        if (status != null && !List.of(CatalogEntry.DRAFT, CatalogEntry.PUBLISHED, CatalogEntry.ARCHIVED).contains(status)) {
            throw ProblemException.invalid("status", "must be draft, published or archived");
        }
        if (!caller.isAdmin()) {
            if (status != null && !CatalogEntry.PUBLISHED.equals(status)) {
                throw ProblemException.forbidden("customers see published plans only");
            }
            status = CatalogEntry.PUBLISHED;
        }
        String afterCode = null;
        int afterVersion = 0;
        if (page.cursor() != null) {
            int colon = page.cursor().lastIndexOf(':');
            try {
                afterCode = page.cursor().substring(0, colon);
                afterVersion = Integer.parseInt(page.cursor().substring(colon + 1));
            } catch (RuntimeException e) {
                throw ProblemException.invalid("cursor", "is not a cursor this API returned");
            }
        }
        List<CatalogEntry> rows = catalog.page(code, status, afterCode, afterVersion, page.limit() + 1);
        boolean more = rows.size() > page.limit();
        List<CatalogEntry> data = more ? rows.subList(0, page.limit()) : rows;
        CatalogEntry last = data.isEmpty() ? null : data.get(data.size() - 1);
        return PageResponse.of(data.stream().map(CatalogEntry::plan).toList(),
                more ? last.plan().code() + ":" + last.plan().version() : null);
    }

    @GET
    @Path("/{code}/versions/{version}")
    @Authenticated
    @Operation(summary = "Get one plan version")
    public PlanVersion get(@PathParam("code") String code, @PathParam("version") int version) throws SQLException {
        CatalogEntry e = catalog.find(code, version).orElseThrow(() -> ProblemException.notFound("plan version", code + ":" + version));
        if (!caller.isAdmin() && CatalogEntry.DRAFT.equals(e.status())) {
            throw ProblemException.notFound("plan version", code + ":" + version);
        }
        return e.plan();
    }

    @PUT
    @Path("/{code}/versions/{version}")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Replace a draft", description = "409 once the version is published: published versions are immutable.")
    public PlanVersion update(@PathParam("code") String code, @PathParam("version") int version, PlanVersion body) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a plan-version document is required");
        }
        return catalog.updateDraft(code, version, body).plan();
    }

    @POST
    @Path("/{code}/versions/{version}/publish")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Publish a draft", description = "Immutable from now on; sent to billing.catalog.")
    public PlanVersion publish(@PathParam("code") String code, @PathParam("version") int version) throws SQLException {
        return catalog.publish(code, version).plan();
    }

    @POST
    @Path("/{code}/versions/{version}/archive")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Archive a published version", description = "No new subscriptions; existing ones keep it.")
    public PlanVersion archive(@PathParam("code") String code, @PathParam("version") int version) throws SQLException {
        return catalog.archive(code, version).plan();
    }
}
