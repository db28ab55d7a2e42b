package dev.apimon.quota.checks.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.apimon.quota.checks.domain.Decision;
import dev.apimon.quota.checks.domain.LimitState;
import dev.apimon.quota.view.domain.PlanRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The decision as JSON (ARCHITECTURE.md "Quota checks"); flags that are false and unknown ids are omitted. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckResponse(boolean allowed, String code, String reason, String customerId, String keyId, String env,
                            PlanRef plan, List<Limit> limits, Long retryAfterSeconds, Boolean overQuota,
                            Boolean degraded, Boolean duplicate) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Limit(String kind, String name, String meter, long limit, Long used, long remaining,
                        Long resetSeconds, Instant resetAt, String enforcement, Long windowSeconds, Boolean overQuota) {
    }

    public static CheckResponse of(Decision d) {
        List<Limit> limits = new ArrayList<>(d.limits().size());
        for (LimitState l : d.limits()) {
            boolean rate = LimitState.RATE.equals(l.kind());
            limits.add(new Limit(l.kind(), l.name(), l.meter(), l.limit(), l.used(), l.remaining(),
                    rate ? l.resetSeconds() : null, l.resetAt(), l.enforcement(), rate ? l.windowSeconds() : null,
                    l.overQuota() ? Boolean.TRUE : null));
        }
        return new CheckResponse(d.allowed(), d.code().name(), d.reason(), d.customerId(), d.keyId(), d.env(), d.plan(),
                limits, d.retryAfterSeconds(), d.overQuota() ? Boolean.TRUE : null, d.degraded() ? Boolean.TRUE : null,
                d.duplicate() ? Boolean.TRUE : null);
    }
}
