package dev.apimon.quota.checks.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.quota.checks.domain.CheckCommand;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The check body's field rules, one row per rule edge: which field a bad value names, and what a good one becomes. */
class CheckRequestTest {
    @ParameterizedTest(name = "meter={0} request_id={1} type={2} -> {3}")
    @CsvSource(nullValues = "null", value = {
            // meter: 1-100 of letters, digits, _ . -
            "api_calls,        null,    null,        ok",
            "Api-calls.v2_X9,  null,    null,        ok",
            "api calls,        null,    null,        meter",
            "api/calls,        null,    null,        meter",
            "'',               null,    null,        meter",
            "appels_é,         null,    null,        meter",
            // request_id and type: 1-200 printable ASCII without spaces
            "null,             req-1,   null,        ok",
            "null,             '~!#',   null,        ok",
            "null,             'a b',   null,        request_id",
            "null,             'a\tb',  null,        request_id",
            "null,             'ü',     null,        request_id",
            "null,             '',      null,        request_id",
            "null,             null,    api.request, ok",
            "null,             null,    'api request', type",
            "null,             null,    '',          type",
    })
    void namesTheFieldItRejects(String meter, String requestId, String type, String expected) {
        CheckRequest req = new CheckRequest("sk_live_x", "GET /pets", null, meter, null, requestId, type, null);
        if (expected.equals("ok")) {
            CheckCommand cmd = validate(req);
            assertEquals(meter == null ? "api_calls" : meter, cmd.meter());
            assertEquals(type == null ? "api.request" : type, cmd.eventType());
            assertEquals(requestId, cmd.requestId());
        } else {
            assertEquals(List.of(expected), rejectedFields(req));
        }
    }

    @ParameterizedTest(name = "{0} characters of meter, {1} of request id")
    @CsvSource({"100, 200, ok", "101, 200, meter", "100, 201, request_id"})
    void lengthLimitsAreInclusive(int meterLength, int idLength, String expected) {
        CheckRequest req = new CheckRequest("sk_live_x", "GET /pets", BigDecimal.ONE, "m".repeat(meterLength), true, "r".repeat(idLength),
                null, null);
        if (expected.equals("ok")) {
            assertEquals(meterLength, validate(req).meter().length());
        } else {
            assertEquals(List.of(expected), rejectedFields(req));
        }
    }

    @ParameterizedTest(name = "X-Request-Id {0}, record {1} -> {2}")
    @CsvSource({"req-1, true, req-1", "req-1, false, ignored", "'a b', false, ignored", "'a b', true, request_id"})
    void theRequestIdHeaderCountsOnlyWhenTheCheckRecords(String header, boolean record, String expected) {
        CheckRequest req = new CheckRequest("sk_live_x", "GET /pets", null, null, record, null, null, null);
        if (expected.equals("request_id")) {
            List<String> fields = assertThrows(ProblemException.class, () -> req.validate(header, "api_calls", "api.request", 1000))
                    .errors().stream().map(FieldError::field).toList();
            assertEquals(List.of("request_id"), fields);
        } else {
            assertEquals(expected.equals("ignored") ? null : expected, req.validate(header, "api_calls", "api.request", 1000).requestId());
        }
    }

    private static CheckCommand validate(CheckRequest req) {
        return req.validate(null, "api_calls", "api.request", 1000);
    }

    private static List<String> rejectedFields(CheckRequest req) {
        return assertThrows(ProblemException.class, () -> validate(req)).errors().stream().map(FieldError::field).toList();
    }
}
