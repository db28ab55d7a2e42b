package dev.apimon.key.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.key.keys.domain.ScopeCoverage;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A key's scopes must stay within the plan's entitlements (same pattern language as quota-service). */
class ScopeCoverageTest {

    @ParameterizedTest(name = "{0} within [{1}]: {2}")
    @CsvSource(delimiter = '|', value = {
            "GET /pets/**       | GET /pets/**;POST /pets;feature:webhooks | true",
            "GET /pets/42       | GET /pets/**                             | true",
            "HEAD /pets/42      | GET /pets/**                             | true",
            "GET /pets/{id}     | GET /pets/**                             | true",
            "GET /pets/*/photos | GET /pets/**                             | true",
            "GET /pets          | GET /pets/**                             | true",
            "POST /pets         | GET /pets/**;POST /pets                  | true",
            "POST /pets/1       | GET /pets/**;POST /pets                  | false",
            "GET /**            | GET /pets/**                             | false",
            "* /pets/1          | GET /pets/**                             | false",
            "/pets/1            | GET /pets/**                             | false",
            "GET /pets/1        | /pets/**                                 | true",
            "GET /pets/1        | * /pets/*                                | true",
            "GET /pets/**       | GET /pets/*                              | false",
            "GET /pets/*        | GET /pets/{id}                           | true",
            "GET /owners/1      | GET /pets/**                             | false",
            "GET /a/**/z        | GET /a/**/z                              | true",
            "GET /a/b/z         | GET /a/**/z                              | true",
            "GET /a/b/y         | GET /a/**/z                              | false",
            "feature:webhooks   | GET /pets/**;feature:webhooks            | true",
            "feature:sso        | GET /pets/**;feature:webhooks            | false",
            "feature:sso        | feature:*                                | true",
            "feature:*          | feature:webhooks                         | false",
            "*                  | GET /pets/**                             | false",
            "*                  | *                                        | true",
            "DELETE /anything   | *                                        | true",
            "DELETE /anything   | feature:webhooks                         | true",
            "feature:webhooks   | ''                                       | false",
            "GET /pets/1        | ''                                       | true",
            "pets               | GET /pets/**                             | false",
            "GET /pe*ts         | GET /**                                  | false",
    })
    void scopeWithinEntitlements(String scope, String entitlements, boolean covered) {
        List<String> ents = entitlements.isEmpty() ? List.of() : Arrays.asList(entitlements.split(";"));
        assertEquals(covered, ScopeCoverage.check(scope, ents).isEmpty(), () -> String.valueOf(ScopeCoverage.check(scope, ents)));
    }
}
