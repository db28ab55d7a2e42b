package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.util.List;

/**
 * A priced meter. One shape for every model so the JSON stays flat; fields a model does not use are null.
 * includedUnits are free units subtracted from the quantity before the model applies.
 */
public record Charge(
        String meter,
        String model,
        BigDecimal unitAmount,
        List<Tier> tiers,
        Long packageSize,
        BigDecimal packageAmount,
        BigDecimal rate,
        BigDecimal flatAmount,
        BigDecimal includedUnits,
        String description) {

    public static final String FLAT = "flat";
    public static final String PER_UNIT = "per_unit";
    public static final String GRADUATED = "graduated";
    public static final String VOLUME = "volume";
    public static final String PACKAGE = "package";
    public static final String PERCENTAGE = "percentage";
}
