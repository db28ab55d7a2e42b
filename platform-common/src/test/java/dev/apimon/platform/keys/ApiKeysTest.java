package dev.apimon.platform.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
    private static final String PEPPER = "0123456789abcdef-pepper";

    @Test
    void generatedKeysHaveTheDocumentedShapeAndAreUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String k = ApiKeys.generate("live");
            assertTrue(k.matches("sk_live_[0-9A-Za-z]{28}"), k);
            assertTrue(ApiKeys.isWellFormed(k), k);
            assertTrue(seen.add(k));
        }
        assertEquals("test", ApiKeys.envOf(ApiKeys.generate("test")).orElseThrow());
    }

    @Test
    void everySingleCharacterTypoIsRejectedWithoutLookup() {
        String k = ApiKeys.generate("live");
        int rejected = 0;
        int total = 0;
        for (int i = 8; i < k.length(); i++) {
            for (char c : "0aZ9".toCharArray()) {
                if (k.charAt(i) == c) {
                    continue;
                }
                total++;
                String typo = k.substring(0, i) + c + k.substring(i + 1);
                if (!ApiKeys.isWellFormed(typo)) {
                    rejected++;
                }
            }
        }
        assertEquals(total, rejected);
    }

    @Test
    void truncatedOrForeignKeysAreRejected() {
        String k = ApiKeys.generate("live");
        assertFalse(ApiKeys.isWellFormed(k.substring(0, k.length() - 1)));
        assertFalse(ApiKeys.isWellFormed(k.replace("sk_live_", "sk_prod_")));
        assertFalse(ApiKeys.isWellFormed(null));
        assertFalse(ApiKeys.isWellFormed(""));
    }

    /**
     * The hand-written check agrees with the format as a regular expression plus the checksum, on valid keys and on
     * near misses made from them (a character replaced, inserted or removed; the env's case; other prefixes).
     */
    @Test
    void theCheckAgreesWithTheFormatsDefinition() {
        Pattern format = Pattern.compile("sk_(live|test)_[0-9A-Za-z]{22}([0-9A-Za-z]{6})");
        Random random = new Random(42);
        String chars = "09AZaz_-é sk";
        int valid = 0;
        for (int i = 0; i < 20_000; i++) {
            String k = ApiKeys.generate(random.nextBoolean() ? "live" : "test");
            StringBuilder b = new StringBuilder(k);
            int at = random.nextInt(k.length());
            switch (random.nextInt(5)) {
                case 0 -> b.setCharAt(at, chars.charAt(random.nextInt(chars.length())));
                case 1 -> b.insert(at, chars.charAt(random.nextInt(chars.length())));
                case 2 -> b.deleteCharAt(at);
                case 3 -> b.replace(0, 7, random.nextBoolean() ? "sk_LIVE" : "sk_prod");
                default -> { } // unchanged
            }
            String candidate = b.toString();
            Matcher m = format.matcher(candidate);
            String expected = m.matches() && ApiKeys.checksum(candidate.substring(0, 30)).equals(m.group(2)) ? m.group(1) : null;
            assertEquals(expected, ApiKeys.envOrNull(candidate), candidate);
            valid += expected == null ? 0 : 1;
        }
        assertTrue(valid > 3000 && valid < 20_000, "both outcomes were exercised: " + valid + " valid");
    }

    @Test
    void hashIsPepperedHmacAndStable() {
        String k = ApiKeys.generate("live");
        assertEquals(ApiKeys.hash(k, PEPPER), ApiKeys.hash(k, PEPPER));
        assertNotEquals(ApiKeys.hash(k, PEPPER), ApiKeys.hash(k, PEPPER + "x"));
        assertEquals(64, ApiKeys.hash(k, PEPPER).length());
        assertFalse(ApiKeys.hash(k, PEPPER).contains(k.substring(8)));
        assertThrows(IllegalStateException.class, () -> ApiKeys.hash(k, "short"));
    }

    @Test
    void startIsTheDisplayPrefix() {
        String k = ApiKeys.generate("test");
        assertEquals(k.substring(0, 12), ApiKeys.start(k));
        assertTrue(ApiKeys.start(k).startsWith("sk_test_"));
    }
}
