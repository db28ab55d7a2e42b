package dev.apimon.usage.meters.api;

import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import dev.apimon.usage.meters.domain.Meter;
import dev.apimon.usage.meters.domain.MeterService;
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

@Path("/v1/meters")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class MeterResource {
    private final MeterService meters;

    public MeterResource(MeterService meters) {
        this.meters = meters;
    }

    @POST
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Create a meter", description = "201 with the meter; repeating an identical definition answers 200, "
            + "another definition under the same slug 409.")
    public Response create(MeterRequest body) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON meter is required");
        }
        body.known();
        MeterService.Saved saved = meters.create(body.slug(), body.eventType(), body.aggregation(), body.valueProperty(),
                body.groupBy(), body.filter());
        MeterView view = MeterView.of(saved.meter());
        return saved.created()
                ? Response.created(URI.create("/v1/meters/" + view.slug())).entity(view).build()
                : Response.ok(view).build();
    }

    @PUT
    @Path("/{slug}")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Change a meter", description = "Replaces the definition for events aggregated from now on; "
            + "the aggregation of a meter that has data cannot change (409 METER_HAS_DATA).")
    public MeterView update(@PathParam("slug") String slug, MeterRequest body) throws SQLException {
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON meter is required");
        }
        body.known();
        if (body.slug() != null && !body.slug().equals(slug)) {
            throw ProblemException.invalid("slug", "a meter's slug cannot change");
        }
        return MeterView.of(meters.update(slug, body.eventType(), body.aggregation(), body.valueProperty(),
                body.groupBy(), body.filter()));
    }

    @GET
    @Authenticated
    @Operation(summary = "List meters", description = "Cursor-paginated by slug.")
    public PageResponse<MeterView> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) throws SQLException {
        PageRequest page = PageRequest.of(limit, cursor);
        List<Meter> rows = meters.page(page.cursor(), page.limit() + 1);
        boolean more = rows.size() > page.limit();
        List<MeterView> data = (more ? rows.subList(0, page.limit()) : rows).stream().map(MeterView::of).toList();
        return PageResponse.of(data, more ? data.get(data.size() - 1).slug() : null);
    }

    @GET
    @Path("/{slug}")
    @Authenticated
    @Operation(summary = "Get a meter")
    public MeterView get(@PathParam("slug") String slug) throws SQLException {
        return meters.find(slug).map(MeterView::of).orElseThrow(() -> ProblemException.notFound("meter", slug));
    }
}
