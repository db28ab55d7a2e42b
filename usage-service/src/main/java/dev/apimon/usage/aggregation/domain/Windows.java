package dev.apimon.usage.aggregation.domain;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Query windows over hourly buckets, anchored at {@code from} (which must be on an hour) so that a billing
 * period starting on any anchor hour is one "month" window; the last window is cut at {@code to}.
 */
public final class Windows {
    public enum Size {
        HOUR, DAY, MONTH;

        public static Optional<Size> fromWire(String s) {
            if (s == null) {
                return Optional.empty();
            }
            return switch (s) {
                case "hour" -> Optional.of(HOUR);
                case "day" -> Optional.of(DAY);
                case "month" -> Optional.of(MONTH);
                default -> Optional.empty();
            };
        }
    }

    public record Window(Instant start, Instant end) {
    }

    private Windows() {
    }

    public static boolean onHour(Instant t) {
        return t.truncatedTo(ChronoUnit.HOURS).equals(t);
    }

    /** The windows covering [from, to), at most {@code max}; empty if more would be needed. */
    public static Optional<List<Window>> of(Instant from, Instant to, Size size, int max) {
        List<Window> out = new ArrayList<>();
        ZonedDateTime anchor = from.atZone(ZoneOffset.UTC);
        for (int i = 0; ; i++) {
            Instant start = step(anchor, size, i);
            if (!start.isBefore(to)) {
                return Optional.of(out);
            }
            if (out.size() == max) {
                return Optional.empty();
            }
            Instant end = step(anchor, size, i + 1);
            out.add(new Window(start, end.isAfter(to) ? to : end));
        }
    }

    // computed from the anchor each time, so month windows from the 31st stay on the last day of short months
    private static Instant step(ZonedDateTime anchor, Size size, int n) {
        return switch (size) {
            case HOUR -> anchor.plusHours(n).toInstant();
            case DAY -> anchor.plusDays(n).toInstant();
            case MONTH -> anchor.plusMonths(n).toInstant();
        };
    }
}
