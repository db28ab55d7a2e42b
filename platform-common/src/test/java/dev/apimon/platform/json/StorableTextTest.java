package dev.apimon.platform.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StorableTextTest {
    private static JsonNode json(String s) throws Exception {
        return new ObjectMapper().readTree(s);
    }

    /** JSON text as PostgreSQL's jsonb input sees it; "-" = storable. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"ua\": \"plain\"}                       | -",
            "{\"ua\": \"\\ud83d\\ude00\"}               | -",
            "{\"ua\": \"\\u00e9 \\u20ac\"}               | -",
            "{\"path\": \"C:\\\\u0000\"}                | -",
            "{\"ua\": \"a\\u0000\"}                     | must not contain the character U+0000 (\\u0000)",
            "{\"ua\": \"\\ud83d\"}                      | must not contain an unpaired UTF-16 surrogate (\\ud83d)",
            "{\"ua\": \"\\ud83dx\"}                     | must not contain an unpaired UTF-16 surrogate (\\ud83d)",
            "{\"ua\": \"\\ud83d\\u0041\"}               | must not contain an unpaired UTF-16 surrogate (\\ud83d)",
            "{\"ua\": \"\\ude00\"}                      | must not contain an unpaired UTF-16 surrogate (\\ude00)",
            "{\"ua\": \"\\\\\\ud83d\"}                  | must not contain an unpaired UTF-16 surrogate (\\ud83d)"})
    void jsonEscapes(String jsonText, String expected) {
        String problem = StorableText.jsonProblem(jsonText.getBytes(StandardCharsets.UTF_8));
        assertEquals("-".equals(expected) ? null : expected, problem);
    }

    /** Raw UTF-8 bytes inside a JSON string (hex), as a client may send them. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "c3a9,       true",  // é
            "e282ac,     true",  // €
            "f09f9880,   true",  // 😀
            "efbfbf,     true",  // U+FFFF, a noncharacter but valid UTF-8
            "c0af,       false", // overlong '/'
            "e080af,     false", // overlong, 3 bytes
            "eda0bd,     false", // the surrogate U+D83D encoded directly (CESU-8)
            "f4908080,   false", // beyond U+10FFFF
            "ff,         false",
            "c3,         false", // cut short
            "80,         false"}) // a lone continuation byte
    void rawUtf8(String hex, boolean storable) {
        java.io.ByteArrayOutputStream json = new java.io.ByteArrayOutputStream();
        json.writeBytes("{\"a\": \"".getBytes(StandardCharsets.UTF_8));
        json.writeBytes(HexFormat.of().parseHex(hex));
        json.writeBytes("\"}".getBytes(StandardCharsets.UTF_8));
        String problem = StorableText.jsonProblem(json.toByteArray());
        assertEquals(storable, problem == null, hex + ": " + problem);
    }

    @Test
    void stringsAndTrees() throws Exception {
        assertNull(StorableText.problem("api.request \uD83D\uDE00"));
        assertEquals("must not contain the character U+0000", StorableText.problem("a\u0000b"));
        assertEquals("must not contain an unpaired UTF-16 surrogate", StorableText.problem("cut \uD83D"));
        assertEquals("must not contain an unpaired UTF-16 surrogate", StorableText.problem("\uDE00 first"));
        assertNull(StorableText.problem(json("{\"$.region\": {\"in\": [\"eu\", 1]}}")));
        assertEquals("must not contain the character U+0000", StorableText.problem(json("{\"$.region\": {\"in\": [\"eu\", \"x\\u0000\"]}}")));
        assertEquals("must not contain the character U+0000", StorableText.problem(json("{\"$.a\\u0000\": 1}")), "names too");
    }
}
