package dev.apimon.quota.checks.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The byte writer's numbers and strings, on the edges CheckJsonTest's documents do not reach. */
class JsonBufferTest {

    @Test
    void numbersAreWrittenAsLongToStringWritesThem() {
        for (long v : new long[] {0, 7, 10, 99, 100, -1, -10, 1_123_200, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1}) {
            assertEquals(Long.toString(v), text(new JsonBuffer(4).number(v)));
        }
    }

    @Test
    void stringsAreEscapedAndEncodedAsUtf8() {
        assertEquals("\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\"", text(new JsonBuffer(4).string("a\"b\\c\n\r\t\b\f\u0001\u001f")));
        assertEquals("\"é€😀/\"", text(new JsonBuffer(4).string("é€😀/")));
        // an unpaired surrogate has no UTF-8 form: '?' as String.getBytes(UTF_8) writes it
        assertEquals("\"a?b?\"", text(new JsonBuffer(4).string("a\ud800b\udc00")));
    }

    private static String text(JsonBuffer b) {
        return b.buffer().toString(StandardCharsets.UTF_8);
    }
}
