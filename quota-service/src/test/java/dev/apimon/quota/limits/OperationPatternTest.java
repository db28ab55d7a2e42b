package dev.apimon.quota.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.quota.limits.domain.Entitlements;
import dev.apimon.quota.limits.domain.Operation;
import dev.apimon.quota.limits.domain.OperationPattern;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OperationPatternTest {

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', value = {
            "GET /pets/**       | GET /pets              | true",
            "GET /pets/**       | GET /pets/42            | true",
            "GET /pets/**       | GET /pets/42/photos/1   | true",
            "GET /pets/**       | GET /petsfood           | false",
            "GET /pets/**       | POST /pets/42           | false",
            "GET /pets/**       | HEAD /pets/42           | true",
            "GET /pets/**       | get /pets/42?q=1#x      | true",
            "GET /pets/**       | GET /pets/../admin      | false",
            "GET /pets/**       | GET /pets/%2E%2E/admin  | false",
            "GET /pets/**       | GET /pets/a%2Fb         | true",
            "GET /projects/*    | GET /projects/group%2Fproject | false",
            "GET /projects/**   | GET /projects/group%2Fproject | true",
            "GET /pets/*        | GET /pets/1%2Fsecrets   | false",
            "GET /pets/*        | GET /pets/1%5Csecrets   | false",
            "GET /pets/*/photos | GET /pets/a%2Fb/photos  | false",
            "GET /pets/a%2Fb    | GET /pets/a%2Fb         | true",
            "GET /pets/a/b      | GET /pets/a%2Fb         | false",
            "GET /@acme%2Fwidgets | GET /@acme%2Fwidgets  | true",
            "GET /pets/**       | GET /pets/a..b;v=1/...  | true",
            "GET /pets/**       | GET /pets/42;v=1        | true",
            "GET /pets/**       | GET //pets///42         | true",
            "GET /pets/**       | GET https://api.example.com/pets/1 | true",
            "POST /pets         | POST /pets              | true",
            "POST /pets         | POST /pets/             | true",
            "POST /pets         | POST /pets/1            | false",
            "GET /pets/*        | GET /pets/1             | true",
            "GET /pets/*        | GET /pets               | false",
            "GET /pets/*        | GET /pets/1/2           | false",
            "GET /pets/{id}/photos | GET /pets/7/photos   | true",
            "GET /**/photos     | GET /pets/7/photos      | true",
            "GET /**/photos     | GET /photos             | true",
            "GET /**/photos     | GET /pets/7/videos      | false",
            "* /admin/**        | DELETE /admin/users/1   | true",
            "/orders            | PATCH /orders           | true",
            "GET /a%20b         | GET /a b                | true",
            "feature:webhooks   | feature:webhooks        | true",
            "feature:webhooks   | feature:sso             | false",
            "feature:*          | feature:sso             | true",
            "feature:*          | GET /pets               | false",
            "GET /pets/**       | feature:webhooks        | false",
            "*                  | feature:x               | true",
            "*                  | DELETE /x               | true",
    })
    void matches(String pattern, String operation, boolean expected) {
        assertEquals(expected, OperationPattern.parse(pattern).matches(Operation.parse(operation)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GET /pets/..;/admin",            // Tomcat and Spring serve /admin, nginx and Go /pets/..;/admin
            "GET /pets/.%2e;jsessionid=1/admin",
            "GET /pets/.;/42",
            "GET /files/x/..;/../public/a",
            "GET /pets/a%2F..%2F..%2Fadmin",  // servers that decode %2F serve /admin
            "GET /pets/..%5Cadmin",           // servers that split at backslashes serve /admin
            "GET /pets/x\\..\\..\\admin",
            "GET /pets/a;x%2F..",
    })
    void dotSegmentsUpstreamsResolveDifferentlyAreRefused(String operation) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Operation.parse(operation));
        assertTrue(e.getMessage().contains("dot segment"), e.getMessage());
    }

    @Test
    void aSlashInsideASegmentStaysEncodedWhenTheOperationIsWrittenOut() {
        assertEquals("GET /pets/a%2Fb", Operation.parse("GET /pets/a%2Fb").toString());
        assertEquals("GET /pets/a/b", Operation.parse("GET /pets/a/b").toString());
        assertEquals("GET /pets/a%252Fb", Operation.parse("GET /pets/a%252Fb").toString(), "not the same path as a%2Fb");
        assertEquals("GET /files/100%25", Operation.parse("GET /files/100%25").toString());
        assertEquals("GET /", Operation.parse("GET /").toString());
    }

    @Test
    void malformedInput() {
        assertThrows(IllegalArgumentException.class, () -> Operation.parse("pets"));
        assertThrows(IllegalArgumentException.class, () -> Operation.parse("GET pets"));
        assertThrows(IllegalArgumentException.class, () -> Operation.parse("GET /a%zz"));
        assertThrows(IllegalArgumentException.class, () -> Operation.parse("feature:"));
        assertThrows(IllegalArgumentException.class, () -> Operation.parse(" "));
        assertThrows(IllegalArgumentException.class, () -> OperationPattern.parse("GET /pets*"));
        assertThrows(IllegalArgumentException.class, () -> OperationPattern.parse("GET pets"));
    }

    @Test
    void planEntitlementsRestrictOperationsOnlyWhenTheyListAny_featuresAlways() {
        List<String> bad = new ArrayList<>();
        Entitlements featuresOnly = Entitlements.ofPlan(List.of("feature:export"), bad::add);
        assertEquals(true, featuresOnly.allows(Operation.parse("DELETE /anything")));
        assertEquals(true, featuresOnly.allows(Operation.parse("feature:export")));
        assertEquals(false, featuresOnly.allows(Operation.parse("feature:webhooks")));
        Entitlements none = Entitlements.ofPlan(null, bad::add);
        assertEquals(true, none.allows(Operation.parse("GET /x")));
        assertEquals(false, none.allows(Operation.parse("feature:x")));
        // a typo restricts rather than opens
        Entitlements typo = Entitlements.ofPlan(List.of("GET pets"), bad::add);
        assertEquals(false, typo.allows(Operation.parse("GET /pets")));
        assertEquals(1, bad.size());
    }

    @Test
    void keyScopesNarrow() {
        List<String> bad = new ArrayList<>();
        assertEquals(true, Entitlements.ofScopes(List.of(), bad::add).allows(Operation.parse("DELETE /x")));
        Entitlements scoped = Entitlements.ofScopes(List.of("GET /pets/**", "feature:webhooks"), bad::add);
        assertEquals(true, scoped.allows(Operation.parse("GET /pets/1")));
        assertEquals(false, scoped.allows(Operation.parse("POST /pets")));
        assertEquals(true, scoped.allows(Operation.parse("feature:webhooks")));
        // a free-form scope that is no pattern grants nothing
        Entitlements opaque = Entitlements.ofScopes(List.of("read"), bad::add);
        assertEquals(false, opaque.allows(Operation.parse("GET /pets")));
    }
}
