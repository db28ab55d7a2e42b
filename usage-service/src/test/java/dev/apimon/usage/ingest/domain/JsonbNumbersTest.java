package dev.apimon.usage.ingest.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

public class JsonbNumbersTest {
    /** A number token and whether jsonb stores it: each row checked with psql on PostgreSQL 15 ({"x": token}::jsonb). */
    public record Row(String token, boolean stored) {
        @Override
        public String toString() {
            return token.length() > 40 ? token.substring(0, 20) + "...(" + token.length() + " characters)" : token;
        }
    }

    public static final List<Row> TABLE = List.of(
            new Row("0", true), new Row("-0", true), new Row("5120", true), new Row("12.5", true), new Row("-1.5e10", true),
            // digits before the point, the exponent applied: at most 131072 (the first non-zero digit at 10^131071)
            new Row("1e131071", true), new Row("1e131072", false), new Row("1E+131071", true), new Row("-1e131072", false),
            new Row("9.99e131071", true), new Row("12e131070", true), new Row("12e131071", false),
            new Row("0.5e131072", true), new Row("0.5e131073", false), new Row("0.00001e131076", true), new Row("0.00001e131077", false),
            new Row("1e0000131071", true), new Row("1e1000000000", false),
            new Row("1".repeat(131072), true), new Row("1".repeat(131073), false),
            // digits after the point, the exponent applied and trailing zeros counted: at most 16383
            new Row("1e-16383", true), new Row("1e-16384", false), new Row("1e-20000", false), new Row("10e-16384", false),
            new Row("1.5e-16382", true), new Row("1.5e-16383", false), new Row("1.0e-16383", false), new Row("0.1e-16382", true),
            new Row("123.456e-16380", true), new Row("123.456e-16381", false),
            new Row("0." + "1".repeat(16383), true), new Row("0." + "1".repeat(16384), false),
            new Row("0." + "0".repeat(16384) + "e1", true),
            // a zero has no magnitude, but a scale; and every exponent of 2^30 - 1 or more is refused before the digits
            new Row("0e-16383", true), new Row("0e-16384", false), new Row("-0e-16384", false), new Row("0.0e-16382", true),
            new Row("0e1073741822", true), new Row("0e1073741823", false), new Row("0e00000000001073741822", true),
            new Row("1e99999999999999999999", false), new Row("0e99999999999999999999", false));

    static String problem(String json) {
        return JsonbNumbers.problem(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void refusesExactlyTheNumbersJsonbCannotStore() {
        for (Row r : TABLE) {
            assertEquals(r.stored(), problem("{\"x\": " + r.token() + "}") == null, r.toString());
            assertEquals(r.stored(), problem("{\"a\": [\"1e999999\", " + r.token() + ", 2]}") == null, "in an array: " + r);
        }
    }

    @Test
    void namesThePathOfTheFirstNumberRefused() {
        assertEquals("has a number at $.x that PostgreSQL cannot store (at most 131072 digits before the point and 16383 "
                + "after it, the exponent applied)", problem("{\"x\": 1e1000000000}"));
        assertEquals("has a number at $.stats.samples[2]['p 99'] that PostgreSQL cannot store (at most 131072 digits before "
                        + "the point and 16383 after it, the exponent applied)",
                problem("{\"ok\": 1e-16383, \"stats\": {\"samples\": [1, {}, {\"p 99\": 1e-16384}], \"next\": 1e131072}}"));
        assertEquals("has a number at $['it\\'s'][0] that PostgreSQL cannot store (at most 131072 digits before the point and "
                + "16383 after it, the exponent applied)", problem("{\"it's\": [-1e131072]}"));
    }

    @Test
    void numbersInsideStringsAndNamesAreText() {
        assertEquals(null, problem("{\"1e1000000000\": \"1e1000000000\", \"q\": \"a\\\"1e-20000\", \"b\": \"\\\\\", \"n\": 1}"));
        assertEquals(null, problem("{\"s\": \"\\u00e9 1e-20000 \u00e9\", \"t\": true, \"f\": false, \"z\": null}"));
        assertEquals("has a number at $.after that PostgreSQL cannot store (at most 131072 digits before the point and 16383 "
                + "after it, the exponent applied)", problem("{\"s\": \"ends in a backslash \\\\\", \"after\": 1e-20000}"));
    }
}
