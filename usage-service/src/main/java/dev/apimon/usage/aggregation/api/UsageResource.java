package dev.apimon.usage.aggregation.api;

import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.IntegerParameter;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import dev.apimon.usage.aggregation.domain.UsageCursor;
import dev.apimon.usage.aggregation.domain.Windows;
import dev.apimon.usage.aggregation.store.UsageQueryStore;
import dev.apimon.usage.ingest.domain.EventValidator;
import dev.apimon.usage.ingest.domain.Rfc3339;
import dev.apimon.usage.meters.domain.JsonValues;
import dev.apimon.usage.meters.domain.Meter;
import dev.apimon.usage.meters.domain.MeterService;
import io.agroal.api.AgroalDataSource;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/v1/meters/{slug}/usage")
@Produces(MediaType.APPLICATION_JSON)
public class UsageResource {
    static final int MAX_WINDOWS = 1000;
    /** A page holds every window of an ungrouped series (at most MAX_WINDOWS) unless the caller asks for less. */
    static final int DEFAULT_LIMIT = MAX_WINDOWS;
    static final int MAX_LIMIT = 10_000;

    private final MeterService meters;
    private final UsageQueryStore store;
    private final AgroalDataSource db;
    private final Caller caller;

    public UsageResource(MeterService meters, UsageQueryStore store, AgroalDataSource db, Caller caller) {
        this.meters = meters;
        this.store = store;
        this.db = db;
        this.caller = caller;
    }

    /** One window of one group; {@code value} is a decimal string. */
    public record UsageRow(Instant windowStart, Instant windowEnd, BigDecimal value, Map<String, String> group) {
    }

    @GET
    @Authenticated
    @Operation(summary = "Usage of a meter", description = "Hourly buckets rolled up into windows of window_size "
            + "(hour, day, month) anchored at from; from and to are RFC 3339 instants on an hour, [from, to). "
            + "group_by is a comma-separated subset of the meter's groups. A customer token sees only its own usage; "
            + "an admin may name a customer_id or see all customers together. Only windows with data are listed, ordered by "
            + "window then group values; cursor-paginated (limit 1..10000, default 1000: an ungrouped series fits one page).")
    public PageResponse<UsageRow> usage(@PathParam("slug") String slug, @QueryParam("customer_id") String customerId,
                                        @QueryParam("from") String from, @QueryParam("to") String to,
                                        @QueryParam("window_size") String windowSize, @QueryParam("group_by") String groupBy,
                                        @QueryParam("env") String env, @QueryParam("limit") String limit,
                                        @QueryParam("cursor") String cursor) throws SQLException {
        String customer = caller.scopeCustomer(blankToNull(customerId)).orElse(null);
        Meter meter = meters.find(slug).orElseThrow(() -> ProblemException.notFound("meter", slug));
        List<FieldError> errors = new ArrayList<>();
        Instant f = instant("from", from, errors);
        Instant t = instant("to", to, errors);
        if (f != null && t != null && !f.isBefore(t)) {
            errors.add(new FieldError("to", "must be after from"));
        }
        Windows.Size size = windowSize == null ? Windows.Size.HOUR : Windows.Size.fromWire(windowSize).orElse(null);
        if (size == null) {
            errors.add(new FieldError("window_size", "must be hour, day or month"));
        }
        List<String> groups = new ArrayList<>();
        if (groupBy != null && !groupBy.isBlank()) {
            for (String g : Arrays.stream(groupBy.split(",")).map(String::trim).filter(s -> !s.isEmpty()).distinct().toList()) {
                if (!meter.groupBy().containsKey(g)) {
                    errors.add(new FieldError("group_by", "'" + g + "' is not a group of meter " + slug
                            + (meter.groupBy().isEmpty() ? " (it has none)" : " (it has " + String.join(", ", meter.groupBy().keySet()) + ")")));
                } else {
                    groups.add(g);
                }
            }
        }
        String e = env == null ? EventValidator.LIVE : env;
        if (!EventValidator.LIVE.equals(e) && !EventValidator.TEST.equals(e)) {
            errors.add(new FieldError("env", "must be live or test"));
        }
        Integer pageLimit = null;
        try {
            pageLimit = IntegerParameter.parse(limit, "limit", 1, MAX_LIMIT);
        } catch (ProblemException bad) {
            errors.add(new FieldError("limit", "must be an integer between 1 and " + MAX_LIMIT));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        int rowsPerPage = pageLimit == null ? DEFAULT_LIMIT : pageLimit;
        List<Windows.Window> windows = Windows.of(f, t, size, MAX_WINDOWS).orElseThrow(() -> ProblemException.invalid("to",
                "from..to spans more than " + MAX_WINDOWS + " " + size.name().toLowerCase() + " windows"));
        String fingerprint = UsageCursor.fingerprint(slug, customer, f.toString(), t.toString(), size.name(), String.join(",", groups), e);
        UsageCursor after = cursor == null || cursor.isBlank() ? null : UsageCursor.decode(cursor.strip())
                .filter(u -> u.fingerprint().equals(fingerprint) && u.window() >= 0 && u.window() < windows.size()
                        && u.group().size() == groups.size())
                .orElseThrow(() -> ProblemException.invalid("cursor", "is not a cursor this API returned for this query "
                        + "(a cursor is valid only with the same meter, customer, from, to, window_size, group_by and env)"));
        List<UsageQueryStore.Row> rows;
        try (Connection c = db.getConnection()) {
            rows = store.query(c, slug, meter.aggregation(), e, customer, windows, groups, after, rowsPerPage + 1);
        }
        boolean more = rows.size() > rowsPerPage;
        List<UsageQueryStore.Row> shown = more ? rows.subList(0, rowsPerPage) : rows;
        List<UsageRow> data = shown.stream().map(r -> new UsageRow(windows.get(r.window()).start(), windows.get(r.window()).end(),
                JsonValues.canonical(r.value()), r.group())).toList();
        String next = null;
        if (more) {
            UsageQueryStore.Row last = shown.get(shown.size() - 1);
            next = new UsageCursor(fingerprint, last.window(), groups.stream().map(last.group()::get).toList()).encode();
        }
        return PageResponse.of(data, next);
    }

    private static Instant instant(String field, String value, List<FieldError> errors) {
        if (value == null || value.isBlank()) {
            errors.add(new FieldError(field, "is required (an RFC 3339 instant on an hour, e.g. 2026-11-01T00:00:00Z)"));
            return null;
        }
        Instant i = Rfc3339.parse(value.trim());
        if (i == null) {
            errors.add(new FieldError(field, "is not an RFC 3339 instant"));
            return null;
        }
        if (!Windows.onHour(i)) {
            errors.add(new FieldError(field, "must be on an hour (usage is kept in hourly buckets)"));
            return null;
        }
        return i;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
