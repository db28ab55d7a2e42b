package dev.apimon.rating.previews.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.json.InputBounds;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.rating.catalog.domain.CatalogEntry;
import dev.apimon.rating.catalog.domain.CatalogService;
import dev.apimon.rating.pricing.PlanValidator;
import dev.apimon.rating.pricing.PlanVersion;
import dev.apimon.rating.pricing.PriceRequest;
import dev.apimon.rating.pricing.PricingEngine;
import dev.apimon.rating.pricing.Quote;
import dev.apimon.rating.pricing.Violation;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The pricing calculator: a plan (inline or from the catalog) and a usage map priced exactly as an invoice would be. */
@Singleton
public class PreviewService {
    private final CatalogService catalog;
    private final CustomerPricing customers;
    private final PricingEngine engine;
    private final ObjectMapper json;
    private final Clock clock;
    private final PlanValidator validator = new PlanValidator();

    public PreviewService(CatalogService catalog, CustomerPricing customers, PricingEngine engine, ObjectMapper json, Clock clock) {
        this.catalog = catalog;
        this.customers = customers;
        this.engine = engine;
        this.json = json;
        this.clock = clock;
    }

    public Quote preview(JsonNode planNode, JsonNode usageNode, String customerId, boolean mayUseDrafts) throws SQLException {
        PlanVersion plan = resolvePlan(planNode, mayUseDrafts);
        Map<String, BigDecimal> usage = parseUsage(usageNode);
        Instant now = clock.instant();
        PriceRequest req = customerId == null
                ? new PriceRequest(plan, usage, List.of(), List.of(), Map.of(), null, now)
                : new PriceRequest(plan, usage, customers.activeDiscounts(customerId, now),
                customers.credits(customerId, plan.currency(), now), customers.overrides(customerId), null, now);
        return engine.price(req);
    }

    PlanVersion resolvePlan(JsonNode node, boolean mayUseDrafts) throws SQLException {
        if (node == null || !node.isObject()) {
            throw ProblemException.invalid("plan", "is required: a plan-version document or {\"code\", \"version\"}");
        }
        boolean inline = node.has("charges") || node.has("currency") || node.has("fee");
        if (inline) {
            PlanVersion p;
            try {
                p = json.treeToValue(node, PlanVersion.class);
            } catch (Exception e) {
                throw ProblemException.invalid("plan", "is not a plan-version document: " + e.getMessage().split("\n")[0]);
            }
            PlanVersion checked = p.code() == null ? new PlanVersion("preview", p.version(), p.name() == null ? "Preview" : p.name(),
                    p.status(), p.currency(), p.interval() == null ? "month" : p.interval(), p.fee(), p.minimumCommitment(),
                    p.creditGrant(), p.rateLimits(), p.quotas(), p.entitlements(), p.charges()) : p;
            if (checked.name() == null) {
                checked = new PlanVersion(checked.code(), checked.version(), checked.code(), checked.status(), checked.currency(),
                        checked.interval(), checked.fee(), checked.minimumCommitment(), checked.creditGrant(), checked.rateLimits(),
                        checked.quotas(), checked.entitlements(), checked.charges());
            }
            List<Violation> violations = validator.validate(checked);
            if (!violations.isEmpty()) {
                throw ProblemException.invalid(violations.stream().map(v -> new FieldError("plan." + v.field(), v.message())).toList());
            }
            return checked;
        }
        JsonNode code = node.get("code");
        if (code == null || !code.isTextual()) {
            throw ProblemException.invalid("plan.code", "is required");
        }
        JsonNode version = node.get("version");
        CatalogEntry entry;
        if (version == null || version.isNull()) {
            entry = catalog.latestPublished(code.asText())
                    .orElseThrow(() -> ProblemException.invalid("plan.code", "no published plan '" + code.asText() + "'"));
        } else if (!version.canConvertToInt()) {
            throw ProblemException.invalid("plan.version", "must be an integer");
        } else {
            entry = catalog.find(code.asText(), version.asInt())
                    .filter(e -> mayUseDrafts || !CatalogEntry.DRAFT.equals(e.status()))
                    .orElseThrow(() -> ProblemException.invalid("plan.version",
                            "plan " + code.asText() + " has no version " + version.asInt()));
        }
        return entry.plan();
    }

    static Map<String, BigDecimal> parseUsage(JsonNode node) {
        Map<String, BigDecimal> usage = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return usage;
        }
        if (!node.isObject()) {
            throw ProblemException.invalid("usage", "must be an object of meter → quantity");
        }
        List<FieldError> errors = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = "usage." + e.getKey();
            JsonNode v = e.getValue();
            try {
                if (!(v.isTextual() || v.isNumber())) {
                    throw new NumberFormatException();
                }
                // bounded: a quantity like 1e100000000 would keep the pricing engine busy for minutes
                BigDecimal q = InputBounds.decimal(v.asText());
                if (q == null) {
                    errors.add(new FieldError(field, "must be a decimal quantity with " + InputBounds.DECIMAL_RULE));
                } else if (q.signum() < 0) {
                    errors.add(new FieldError(field, "must not be negative"));
                } else {
                    usage.put(e.getKey(), q);
                }
            } catch (NumberFormatException ex) {
                errors.add(new FieldError(field, "must be a decimal quantity such as \"15000\" or \"0.5\""));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return usage;
    }
}
