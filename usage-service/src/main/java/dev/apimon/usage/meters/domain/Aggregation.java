package dev.apimon.usage.meters.domain;

import java.util.Arrays;
import java.util.Optional;

/** How a meter turns events into one value per hour bucket; the wire name is the lowercase constant. */
public enum Aggregation {
    COUNT, SUM, MAX, MIN, UNIQUE_COUNT, LATEST;

    public String wire() {
        return name().toLowerCase();
    }

    public static Optional<Aggregation> fromWire(String s) {
        return Arrays.stream(values()).filter(a -> a.wire().equals(s)).findFirst();
    }

    /** Whether each event must carry a numeric value at the meter's value_property. */
    public boolean numeric() {
        return this == SUM || this == MAX || this == MIN || this == LATEST;
    }

    /** Whether the meter reads a value at all (count only counts events). */
    public boolean needsValue() {
        return this != COUNT;
    }
}
