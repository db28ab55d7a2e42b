package dev.apimon.portal.downstream;

import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** A downstream service's 4xx answer, relayed unchanged (status and problem+json body). */
public class DownstreamRejection extends RuntimeException {
    private final int status;
    private final String body;

    public DownstreamRejection(int status, String body) {
        super("downstream answered " + status, null, false, false);
        this.status = status;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public static class Mapper {
        @ServerExceptionMapper
        public Response relay(DownstreamRejection e) {
            Response.ResponseBuilder r = Response.status(e.status);
            if (e.body != null && !e.body.isEmpty()) {
                r.type("application/problem+json").entity(e.body);
            }
            return r.build();
        }
    }
}
