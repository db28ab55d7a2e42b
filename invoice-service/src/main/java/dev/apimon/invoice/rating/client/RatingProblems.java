package dev.apimon.invoice.rating.client;

import dev.apimon.platform.problem.Problem;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** An operator's request that needed rating-service (e.g. finalize now) answers 503/502 problem+json, not a 500. */
public class RatingProblems {

    @ServerExceptionMapper
    public Response unavailable(RatingUnavailable e) {
        return respond(Problem.of(503, "RATING_UNAVAILABLE", "Service unavailable", e.getMessage() + "; try again later", List.of()));
    }

    @ServerExceptionMapper
    public Response rejected(RatingRejected e) {
        return respond(Problem.of(502, "RATING_REJECTED", "Bad gateway", e.getMessage(), List.of()));
    }

    private static Response respond(Problem p) {
        Response.ResponseBuilder b = Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p);
        if (p.status() == 503) {
            b.header("Retry-After", "30");
        }
        return b.build();
    }
}
