package dev.apimon.usage.aggregation.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageCursorTest {

    @Test
    void groupValuesSurviveTheRoundTripWhateverTheyHold() {
        for (List<String> group : List.of(List.<String>of(), List.of("a"), List.of("a|b", "c\\"), List.of("", "|"),
                Arrays.asList(null, "x"), Arrays.asList("-", null), List.of("+", "\\|\\"), List.of("ünïcødé 🚀"))) {
            UsageCursor c = new UsageCursor("0123abcd", 7, group);
            assertEquals(c, UsageCursor.decode(c.encode()).orElseThrow(), group.toString());
        }
    }

    @Test
    void textThisApiDidNotWriteIsNoCursor() {
        for (String forged : new String[] {"!!", "", b64("abc"), b64("fp|x"), b64("fp|1|x"), b64("|1"), b64("fp|1|+a\\"),
                b64("fp|1|+a\u0000b")}) {
            assertTrue(UsageCursor.decode(forged).isEmpty(), forged);
        }
    }

    @Test
    void theFingerprintTellsQueriesApartIncludingAnAbsentPartFromItsName() {
        assertEquals(UsageCursor.fingerprint("m", "c", "x"), UsageCursor.fingerprint("m", "c", "x"));
        assertNotEquals(UsageCursor.fingerprint("m", null), UsageCursor.fingerprint("m", "null"));
        assertNotEquals(UsageCursor.fingerprint("ab", "c"), UsageCursor.fingerprint("a", "bc"));
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
