package dev.apimon.platform.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff thirtySecondsToAnHour = new Backoff(Duration.ofSeconds(30), Duration.ofHours(1));

    @ParameterizedTest(name = "after {0} failed attempts: {1}")
    @CsvSource({
            "0, PT30S", // not failed yet: never less than base
            "1, PT30S",
            "2, PT1M",
            "3, PT2M",
            "7, PT32M",
            "8, PT1H", // 64 min capped
            "30, PT1H",
            "2147483647, PT1H", // no overflow however long it keeps failing
    })
    void doublesFromBaseUpToMax(int attempts, String expected) {
        assertEquals(Duration.parse(expected), thirtySecondsToAnHour.after(attempts));
    }

    @Test
    void rejectsAZeroBaseOrAMaxBelowBase() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofMinutes(2), Duration.ofMinutes(1)));
    }
}
