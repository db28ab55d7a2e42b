package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Objects;

/** Unrounded price of one charge for one quantity; rounding happens once per quote line, in the engine. */
public final class ChargeModels {

    /** Internal scale: well below any currency's minor unit, so the single per-line rounding is the only rounding. */
    static final int INTERNAL_SCALE = 10;

    private ChargeModels() {
    }

    /**
     * @param quantity usage for the period (fractional allowed, null = 0); included units are subtracted first
     * @return the unrounded amount, scale >= {@link #INTERNAL_SCALE}
     * @throws IllegalArgumentException for a negative quantity, an unknown model or a charge missing a required field
     */
    public static BigDecimal chargeAmount(Charge c, BigDecimal quantity) {
        Objects.requireNonNull(c, "charge");
        BigDecimal q = quantity == null ? BigDecimal.ZERO : quantity;
        if (q.signum() < 0) {
            throw new IllegalArgumentException("quantity must be >= 0 for meter " + c.meter() + ": " + q);
        }
        q = billable(c, q);
        String model = require(c.model(), "model", c);
        BigDecimal amount = switch (model) {
            case Charge.FLAT -> require(c.flatAmount(), "flat_amount", c);
            case Charge.PER_UNIT -> q.multiply(require(c.unitAmount(), "unit_amount", c));
            case Charge.GRADUATED -> graduated(c, q);
            case Charge.VOLUME -> volume(c, q);
            case Charge.PACKAGE -> packaged(c, q);
            case Charge.PERCENTAGE -> q.multiply(require(c.rate(), "rate", c));
            default -> throw new IllegalArgumentException("unknown charge model '" + model + "' for meter " + c.meter());
        };
        return amount.scale() < INTERNAL_SCALE ? amount.setScale(INTERNAL_SCALE) : amount;
    }

    private static BigDecimal billable(Charge c, BigDecimal q) {
        if (c.includedUnits() == null) {
            return q;
        }
        return q.subtract(c.includedUnits()).max(BigDecimal.ZERO);
    }

    /** Each unit at the price of the tier it falls in, plus the flat amount of every tier that is reached. */
    private static BigDecimal graduated(Charge c, BigDecimal q) {
        BigDecimal total = BigDecimal.ZERO;
        BigDecimal lower = BigDecimal.ZERO; // previous tier's inclusive up_to
        for (Tier t : tiers(c)) {
            if (q.compareTo(lower) <= 0) {
                return total; // nothing falls in this tier or beyond
            }
            BigDecimal upper = t.upTo() == null ? q : t.upTo().min(q);
            total = total.add(upper.subtract(lower).multiply(unitAmount(t, c))).add(flatAmount(t));
            if (t.upTo() == null) {
                return total;
            }
            lower = t.upTo();
        }
        if (q.compareTo(lower) > 0) {
            throw beyondLastTier(c, q);
        }
        return total;
    }

    /** All units at the price of the tier the total falls in, plus that tier's flat amount; nothing for zero usage. */
    private static BigDecimal volume(Charge c, BigDecimal q) {
        List<Tier> tiers = tiers(c);
        if (q.signum() == 0) {
            return BigDecimal.ZERO;
        }
        for (Tier t : tiers) {
            if (t.upTo() == null || q.compareTo(t.upTo()) <= 0) {
                return q.multiply(unitAmount(t, c)).add(flatAmount(t));
            }
        }
        throw beyondLastTier(c, q);
    }

    /** package_amount per started block of package_size units. */
    private static BigDecimal packaged(Charge c, BigDecimal q) {
        long size = require(c.packageSize(), "package_size", c);
        if (size <= 0) {
            throw new IllegalArgumentException("package_size must be > 0 for meter " + c.meter());
        }
        BigDecimal packages = q.divide(BigDecimal.valueOf(size), 0, RoundingMode.CEILING);
        return packages.multiply(require(c.packageAmount(), "package_amount", c));
    }

    private static List<Tier> tiers(Charge c) {
        List<Tier> tiers = require(c.tiers(), "tiers", c);
        if (tiers.isEmpty()) {
            throw new IllegalArgumentException("charge for meter " + c.meter() + " needs at least one tier");
        }
        return tiers;
    }

    private static BigDecimal unitAmount(Tier t, Charge c) {
        return require(t.unitAmount(), "tiers[].unit_amount", c);
    }

    private static BigDecimal flatAmount(Tier t) {
        return t.flatAmount() == null ? BigDecimal.ZERO : t.flatAmount();
    }

    private static IllegalArgumentException beyondLastTier(Charge c, BigDecimal q) {
        return new IllegalArgumentException("quantity " + q.toPlainString() + " exceeds the last tier of meter " + c.meter());
    }

    private static <T> T require(T value, String field, Charge c) {
        if (value == null) {
            throw new IllegalArgumentException(c.model() + " charge for meter " + c.meter() + " needs " + field);
        }
        return value;
    }
}
