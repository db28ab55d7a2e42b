package dev.apimon.rating.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProrationTest {

    private static final Instant START = Instant.parse("2025-04-01T00:00:00Z");
    private static final Instant END = Instant.parse("2025-05-01T00:00:00Z"); // 30 days

    @ParameterizedTest(name = "change at {0} leaves {1}")
    @CsvSource({
            "2025-04-01T00:00:00Z, 1.0000000000",
            "2025-04-16T00:00:00Z, 0.5000000000",
            "2025-04-11T00:00:00Z, 0.6666666667",
            "2025-04-21T00:00:00Z, 0.3333333333",
            "2025-04-30T23:59:59Z, 0.0000003858",
            "2025-05-01T00:00:00Z, 0.0000000000",
            "2025-03-20T00:00:00Z, 1.0000000000",
            "2025-06-01T00:00:00Z, 0.0000000000",
    })
    void remaining_fraction_of_the_period(String changeAt, String expected) {
        assertEquals(expected, Proration.factor(START, END, Instant.parse(changeAt)).toPlainString());
    }

    @Test
    void sub_second_parts_are_ignored() {
        assertEquals("0.5000000000",
                Proration.factor(START, END, Instant.parse("2025-04-16T00:00:00.999Z")).toPlainString());
    }

    @Test
    void an_empty_period_is_rejected() {
        assertThrows(IllegalArgumentException.class, () -> Proration.factor(END, START, START));
        assertThrows(IllegalArgumentException.class, () -> Proration.factor(START, START, START));
    }
}
