package dev.apimon.quota.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.json.JsonConventions;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.quota.checks.api.CheckJson;
import dev.apimon.quota.checks.api.CheckRequest;
import dev.apimon.quota.checks.api.CheckResponse;
import dev.apimon.quota.checks.domain.Decision;
import dev.apimon.quota.checks.domain.DecisionCode;
import dev.apimon.quota.checks.domain.LimitState;
import dev.apimon.quota.view.domain.PlanRef;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hand-written JSON of /v1/checks is the document Jackson wrote for the same request and decision. */
class CheckJsonTest {
    // as Quarkus configures it (application.properties: snake_case, unknown properties ignored)
    static final ObjectMapper MAPPER = JsonConventions.apply(new ObjectMapper().findAndRegisterModules())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    static final LimitState RATE = new LimitState(LimitState.RATE, "default", null, 10, null, 0, 41, null, null, 60, false, true, 6);
    static final LimitState QUOTA = new LimitState(LimitState.QUOTA, null, "api_calls", 1000, 1012L, 0, 1_123_200,
            Instant.parse("2026-12-01T00:00:00Z"), "soft", 2_592_000, true, false, 0);

    @Test
    void decisionsAreWrittenAsJacksonWritesCheckResponse() throws Exception {
        List<Decision> decisions = List.of(
                new Decision(true, DecisionCode.VALID, null, "cus_1", "key_1", "live", new PlanRef("pro", 3), List.of(RATE, QUOTA),
                        null, true, true, true, List.of()),
                new Decision(false, DecisionCode.RATE_LIMITED, "rate limit exceeded", "cus_1", "key_1", "test", new PlanRef("free", 1),
                        List.of(RATE), 6L, false, false, false, List.of()),
                Decision.refused(DecisionCode.INVALID_KEY, "unknown API key"),
                Decision.refused(DecisionCode.FORBIDDEN, "plan p:1 does not entitle GET /a\"b\\c\n\u0001\u001fé€😀x", "cus_2", "key_2", "live",
                        new PlanRef("p", 1)));
        for (Decision d : decisions) {
            String mine = CheckJson.write(d).toString(StandardCharsets.UTF_8);
            JsonNode expected = MAPPER.readTree(MAPPER.writeValueAsString(CheckResponse.of(d)));
            assertEquals(expected, MAPPER.readTree(mine), mine);
        }
    }

    @Test
    void requestFieldsAreReadLikeTheDatabinding() throws Exception {
        String body = """
                {"key":" sk_live_x ","operation":"GET /pets","cost":"2","meter":"images","record":true,"request_id":"r-1",
                 "type":"api.call","data":{"status":200,"ms":1.5,"tags":["a"]},"unknown":{"nested":[1,2,{"x":null}]}}""";
        CheckRequest mine = CheckJson.read(MAPPER, body.getBytes(StandardCharsets.UTF_8));
        CheckRequest bound = MAPPER.readValue(body, CheckRequest.class);
        assertEquals(bound, mine);
        byte[] framed = ("[[" + body + "]]").getBytes(StandardCharsets.UTF_8); // a slice of a larger array, as the request buffer's
        assertEquals(mine, CheckJson.read(MAPPER, framed, 2, framed.length - 4));
        assertEquals(new BigDecimal("2"), mine.cost());
        assertEquals(Map.of("status", 200, "ms", new BigDecimal("1.5"), "tags", List.of("a")), mine.data());

        CheckRequest minimal = CheckJson.read(MAPPER, "{\"key\":\"k\",\"operation\":\"GET /\",\"cost\":1.0,\"meter\":null}".getBytes());
        assertEquals(0, new BigDecimal("1.0").compareTo(minimal.cost()));
        assertNull(minimal.meter());
        assertNull(minimal.record());
    }

    @Test
    void unreadableBodiesAreProblemsNamingTheField() {
        assertEquals(400, problem("").status());
        assertEquals("body", problem("{\"key\": ").errors().get(0).field());
        assertEquals("body", problem("[1]").errors().get(0).field());
        assertEquals("key", problem("{\"key\": {\"a\": 1}}").errors().get(0).field());
        assertEquals("cost", problem("{\"cost\": \"lots\"}").errors().get(0).field());
        assertEquals("record", problem("{\"record\": \"maybe\"}").errors().get(0).field());
        assertEquals("data", problem("{\"data\": [1]}").errors().get(0).field());
        assertEquals("MALFORMED_JSON", problem("{\"key\": \"a\",}").code());
    }

    private static dev.apimon.platform.problem.Problem problem(String body) {
        return assertThrows(ProblemException.class, () -> CheckJson.read(MAPPER, body.getBytes(StandardCharsets.UTF_8))).toProblem();
    }
}
