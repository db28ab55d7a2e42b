package dev.apimon.key.catalog.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.key.catalog.domain.CatalogPlan;
import dev.apimon.key.messaging.PoisonMessage;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Reads a billing.catalog record (key {@code code:version}, value the plan-version document of ARCHITECTURE.md). */
public final class CatalogDocuments {
    private CatalogDocuments() {
    }

    public static CatalogPlan parse(ObjectMapper json, String recordKey, String value) {
        if (value == null || value.isBlank()) {
            throw new PoisonMessage("empty plan document");
        }
        JsonNode n;
        try {
            n = json.readTree(value);
        } catch (IOException e) {
            throw new PoisonMessage("plan document is not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new PoisonMessage("plan document is not a JSON object");
        }
        String code = text(n, "code");
        if (code == null || code.isBlank()) {
            throw new PoisonMessage("code is required");
        }
        JsonNode v = n.get("version");
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
            throw new PoisonMessage("version must be a positive integer");
        }
        int version = v.asInt();
        if (recordKey != null && !recordKey.equals(code + ":" + version)) {
            throw new PoisonMessage("record key " + recordKey + " does not match " + code + ":" + version);
        }
        String status = text(n, "status");
        if (!CatalogPlan.PUBLISHED.equals(status) && !CatalogPlan.ARCHIVED.equals(status)) {
            throw new PoisonMessage("status must be published or archived, not " + status);
        }
        BigDecimal fee = null;
        String feeText = text(n, "fee");
        if (feeText != null) {
            try {
                fee = new BigDecimal(feeText);
            } catch (NumberFormatException e) {
                throw new PoisonMessage("fee is not a decimal: " + feeText);
            }
        }
        List<String> entitlements = new ArrayList<>();
        JsonNode ents = n.get("entitlements");
        if (ents != null && !ents.isNull()) {
            if (!ents.isArray()) {
                throw new PoisonMessage("entitlements must be an array of strings");
            }
            for (JsonNode e : ents) {
                if (!e.isTextual()) {
                    throw new PoisonMessage("entitlements must be an array of strings");
                }
                entitlements.add(e.asText());
            }
        }
        return new CatalogPlan(code, version, status, text(n, "name"), text(n, "currency"), fee, List.copyOf(entitlements));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
