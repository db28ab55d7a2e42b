package dev.apimon.usage.events.domain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.usage.meters.domain.Meter;
import dev.apimon.usage.meters.domain.MeterReading;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * What may be corrected, once the original is in the raw log. Ingest applies these rules when it finds the original
 * there (and refuses the correction per item); the aggregator applies them again, because an original can still be
 * on its way to the log when its correction is ingested.
 */
public record CorrectionRules(Duration retention, Duration maxFutureSkew) {
    public static final String CORRECTION_OF_A_CORRECTION = "a correction cannot be corrected: correct the original event instead";

    /** Why an original (itself a correction or not, from this hour) cannot be corrected at {@code now}, or null. */
    public String originalProblem(boolean originalIsCorrection, Instant originalTime, Instant now) {
        if (originalIsCorrection) {
            return CORRECTION_OF_A_CORRECTION;
        }
        Instant hour = originalTime.truncatedTo(ChronoUnit.HOURS);
        // the retention purge goes by ingestion time, and an event of this hour may have been ingested as early as
        // the hour's start minus the allowed future skew: past that, some of the hour's events may be gone, and a
        // recompute from what is left would lower a bucket that was billed
        if (hour.minus(maxFutureSkew).isBefore(now.minus(retention))) {
            return "the corrected event's hour (" + hour + ") is past the raw log's retention (" + retention
                    + "): its buckets can no longer be recomputed exactly";
        }
        return null;
    }

    /** Which check a replacement goes through: ingest holds it to the bounds new events meet, the aggregator to what it can store. */
    public enum Bounds { INGEST, STORABLE }

    /**
     * Why meters of the original's type cannot measure the replacement data, one reason per meter (empty: all can).
     * Meters created after the original was logged never count it (no backfill), so its replacement is not theirs.
     */
    public static List<String> replacementProblems(List<Meter> meters, String originalType, long originalSeq, JsonNode replacement,
                                                   Bounds bounds) {
        List<String> problems = new ArrayList<>();
        for (Meter m : meters) {
            if (!m.counts(originalSeq)) {
                continue;
            }
            String problem = bounds == Bounds.INGEST ? MeterReading.problem(m, originalType, replacement)
                    : MeterReading.of(m, originalType, replacement) instanceof MeterReading.Invalid invalid ? invalid.reason() : null;
            if (problem != null) {
                problems.add(problem);
            }
        }
        return problems;
    }
}
