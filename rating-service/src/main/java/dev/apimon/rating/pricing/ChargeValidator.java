package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The charges part of plan validation: meters, models and the fields each model needs. */
final class ChargeValidator {

    private static final Set<String> MODELS = Set.of(
            Charge.FLAT, Charge.PER_UNIT, Charge.GRADUATED, Charge.VOLUME, Charge.PACKAGE, Charge.PERCENTAGE);
    private static final String MODELS_TEXT = "flat, per_unit, graduated, volume, package, percentage";

    private final Violations v;

    ChargeValidator(Violations v) {
        this.v = v;
    }

    void charges(List<Charge> charges) {
        if (charges == null) {
            return;
        }
        Map<String, Integer> firstByMeter = new HashMap<>();
        for (int i = 0; i < charges.size(); i++) {
            String path = "charges[" + i + "]";
            Charge c = charges.get(i);
            if (c == null) {
                v.add(path, "must not be null");
                continue;
            }
            meter(path, c, i, firstByMeter);
            v.nonNegative(path + ".included_units", c.includedUnits());
            if (v.required(path + ".model", c.model())) {
                if (MODELS.contains(c.model())) {
                    model(path, c);
                } else {
                    v.add(path + ".model", "must be one of: " + MODELS_TEXT);
                }
            }
        }
    }

    private void meter(String path, Charge c, int index, Map<String, Integer> firstByMeter) {
        if (c.meter() == null && Charge.FLAT.equals(c.model())) {
            return; // a flat charge is not tied to usage, so it needs no meter
        }
        if (v.required(path + ".meter", c.meter())) {
            Integer first = firstByMeter.putIfAbsent(c.meter(), index);
            if (first != null) {
                v.add(path + ".meter", "must be unique; also used by charges[" + first + "]");
            }
        }
    }

    private void model(String path, Charge c) {
        switch (c.model()) {
            case Charge.FLAT -> v.requiredNonNegative(path + ".flat_amount", c.flatAmount());
            case Charge.PER_UNIT -> v.requiredNonNegative(path + ".unit_amount", c.unitAmount());
            case Charge.GRADUATED, Charge.VOLUME -> tiers(path + ".tiers", c.tiers());
            case Charge.PACKAGE -> {
                if (v.required(path + ".package_size", c.packageSize()) && c.packageSize() <= 0) {
                    v.add(path + ".package_size", "must be > 0");
                }
                v.requiredNonNegative(path + ".package_amount", c.packageAmount());
            }
            case Charge.PERCENTAGE -> {
                if (v.required(path + ".rate", c.rate())
                        && (c.rate().signum() < 0 || c.rate().compareTo(BigDecimal.ONE) > 0)) {
                    v.add(path + ".rate", "must be between 0 and 1");
                }
            }
            default -> throw new IllegalStateException("unhandled model " + c.model());
        }
    }

    /** Stripe rules: bounds strictly ascending, and exactly the last tier open-ended so every quantity has a price. */
    private void tiers(String path, List<Tier> tiers) {
        if (tiers == null || tiers.isEmpty()) {
            v.add(path, "at least one tier is required");
            return;
        }
        BigDecimal previous = null;
        for (int j = 0; j < tiers.size(); j++) {
            String tierPath = path + "[" + j + "]";
            Tier t = tiers.get(j);
            if (t == null) {
                v.add(tierPath, "must not be null");
                continue;
            }
            boolean last = j == tiers.size() - 1;
            if (t.upTo() == null) {
                if (!last) {
                    v.add(tierPath + ".up_to", "only the last tier may be open-ended (null)");
                }
            } else {
                if (last) {
                    v.add(tierPath + ".up_to", "the last tier must be open-ended (null)");
                }
                if (t.upTo().signum() <= 0) {
                    v.add(tierPath + ".up_to", "must be > 0");
                } else if (previous != null && t.upTo().compareTo(previous) <= 0) {
                    v.add(tierPath + ".up_to", "must be greater than the previous tier's up_to " + previous.toPlainString());
                }
                previous = t.upTo();
            }
            v.requiredNonNegative(tierPath + ".unit_amount", t.unitAmount());
            v.nonNegative(tierPath + ".flat_amount", t.flatAmount());
        }
    }
}
