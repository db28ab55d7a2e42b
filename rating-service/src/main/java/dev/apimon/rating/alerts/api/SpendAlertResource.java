package dev.apimon.rating.alerts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.json.InputBounds;
import dev.apimon.platform.page.PageRequest;
import dev.apimon.platform.page.PageResponse;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.security.Caller;
import dev.apimon.rating.alerts.domain.AlertSettings;
import dev.apimon.rating.alerts.domain.SpendAlerts;
import dev.apimon.rating.alerts.messaging.AlertEvent;
import dev.apimon.rating.alerts.store.AlertStore;
import dev.apimon.rating.spend.messaging.SpendPublisher;
import io.agroal.api.AgroalDataSource;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** A customer's spend alert thresholds and the alerts it was sent. Customers manage their own; admins anyone's. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Authenticated
public class SpendAlertResource {
    private final AgroalDataSource db;
    private final AlertStore store;
    private final SpendAlerts alerts;
    private final SpendPublisher spend;
    private final Caller caller;
    private final Clock clock;
    private final ObjectMapper json;

    public SpendAlertResource(AgroalDataSource db, AlertStore store, SpendAlerts alerts, SpendPublisher spend, Caller caller, Clock clock,
                              ObjectMapper json) {
        this.db = db;
        this.store = store;
        this.alerts = alerts;
        this.spend = spend;
        this.caller = caller;
        this.clock = clock;
        this.json = json;
    }

    /** credits_low_fraction is the service-wide rule that applies while credits_low_below is not set. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SettingsView(String customerId, BigDecimal budget, List<Integer> percentages, BigDecimal spendCap,
                               BigDecimal creditsLowBelow, BigDecimal creditsLowFraction, Instant updatedAt) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record AlertView(String id, String type, String customerId, String kind, String meter, Integer thresholdPercent,
                            BigDecimal used, BigDecimal limit, String currency, Instant periodStart, Instant periodEnd, Instant at) {
    }

    @GET
    @Path("/customers/{id}/spend-alerts")
    @Operation(summary = "A customer's spend alert thresholds")
    public SettingsView get(@PathParam("id") String customerId) throws SQLException {
        caller.requireAccessTo("customer", customerId);
        try (Connection c = db.getConnection()) {
            var stored = store.settings(c, customerId);
            return view(customerId, stored.map(AlertStore.StoredSettings::settings).orElse(AlertSettings.none()),
                    stored.map(AlertStore.StoredSettings::updatedAt).orElse(null));
        }
    }

    @PUT
    @Path("/customers/{id}/spend-alerts")
    @Operation(summary = "Set a customer's spend alert thresholds",
            description = "{\"budget\": \"200.00\", \"percentages\": [50, 80, 100], \"spend_cap\": \"500.00\", \"credits_low_below\": \"5.00\"}; "
                    + "amounts in the plan's currency, each optional. Thresholds already reached alert at once; each fires once per period.")
    public SettingsView put(@PathParam("id") String customerId, JsonNode body) throws SQLException {
        caller.requireAccessTo("customer", customerId);
        AlertSettings settings = parse(body);
        Instant now = clock.instant();
        Transactions.run(db, c -> {
            store.putSettings(c, customerId, settings, now);
            spend.refresh(c, customerId); // a threshold the spend has already passed alerts now, not at the next usage
        });
        spend.flushSoon();
        return view(customerId, settings, now);
    }

    @GET
    @Path("/customers/{id}/alerts")
    @Operation(summary = "Alerts sent to a customer, newest first")
    public PageResponse<AlertView> history(@PathParam("id") String customerId, @QueryParam("limit") String limit,
                                           @QueryParam("cursor") String cursor) throws SQLException {
        caller.requireAccessTo("customer", customerId);
        PageRequest page = PageRequest.of(limit, cursor);
        long before;
        try {
            before = page.cursor() == null ? Long.MAX_VALUE : Long.parseLong(page.cursor());
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("cursor", "is not a cursor this API returned");
        }
        List<AlertStore.StoredAlert> rows;
        try (Connection c = db.getConnection()) {
            rows = store.page(c, customerId, before, page.limit() + 1);
        }
        boolean more = rows.size() > page.limit();
        List<AlertStore.StoredAlert> data = more ? rows.subList(0, page.limit()) : rows;
        List<AlertView> out = new ArrayList<>();
        for (AlertStore.StoredAlert a : data) {
            AlertEvent e = read(a.payload());
            out.add(new AlertView(String.valueOf(a.seq()), a.eventType(), e.customerId(), e.kind(), e.meter(), e.thresholdPercent(),
                    e.used(), e.limit(), e.currency(), e.periodStart(), e.periodEnd(), e.at()));
        }
        return PageResponse.of(out, more ? String.valueOf(data.get(data.size() - 1).seq()) : null);
    }

    private SettingsView view(String customerId, AlertSettings s, Instant updatedAt) {
        return new SettingsView(customerId, s.budget(), s.percentages(), s.spendCap(), s.creditsLowBelow(), alerts.creditsLowFraction(),
                updatedAt);
    }

    private AlertEvent read(String payload) {
        try {
            return json.readValue(payload, AlertEvent.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static AlertSettings parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.invalid("body", "a JSON object is required");
        }
        List<FieldError> errors = new ArrayList<>();
        BigDecimal budget = amount(body, "budget", false, errors);
        BigDecimal cap = amount(body, "spend_cap", false, errors);
        BigDecimal low = amount(body, "credits_low_below", true, errors);
        List<Integer> percentages = null;
        JsonNode p = body.get("percentages");
        if (p != null && !p.isNull()) {
            if (!p.isArray() || p.size() > 10) {
                errors.add(new FieldError("percentages", "must be a list of at most 10 whole percentages"));
            } else {
                Set<Integer> seen = new LinkedHashSet<>();
                for (int i = 0; i < p.size(); i++) {
                    JsonNode v = p.get(i);
                    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1 || v.asInt() > 1000) {
                        errors.add(new FieldError("percentages[" + i + "]", "must be a whole number from 1 to 1000"));
                    } else if (!seen.add(v.asInt())) {
                        errors.add(new FieldError("percentages[" + i + "]", "is listed twice"));
                    }
                }
                percentages = List.copyOf(seen);
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new AlertSettings(budget, percentages, cap, low);
    }

    private static BigDecimal amount(JsonNode body, String field, boolean zeroAllowed, List<FieldError> errors) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            if (!(v.isTextual() || v.isNumber())) {
                throw new NumberFormatException();
            }
            BigDecimal d = InputBounds.decimal(v.asText());
            if (d == null) {
                errors.add(new FieldError(field, "must be a decimal amount with " + InputBounds.DECIMAL_RULE));
                return null;
            }
            if (d.signum() < 0 || (!zeroAllowed && d.signum() == 0)) {
                errors.add(new FieldError(field, zeroAllowed ? "must not be negative" : "must be positive"));
                return null;
            }
            return d;
        } catch (NumberFormatException e) {
            errors.add(new FieldError(field, "must be a decimal amount such as \"200.00\""));
            return null;
        }
    }
}
