package dev.apimon.quota.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.quota.limits.domain.FailurePolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which policy answers a check while Redis is unavailable, for every combination of limit kinds and policies. */
class FailurePolicyTest {

    @ParameterizedTest(name = "rates={0} quota={1} rate policy={2} quota policy={3} -> {4}")
    @CsvSource(nullValues = "local", value = {
            // a rate limit alone follows the rate policy
            "true,  false, OPEN,   OPEN,   local",
            "true,  false, CLOSED, OPEN,   rate",
            "true,  false, OPEN,   CLOSED, local",
            // a quota alone follows the quota policy
            "false, true,  OPEN,   OPEN,   local",
            "false, true,  CLOSED, OPEN,   local",
            "false, true,  OPEN,   CLOSED, quota",
            // both: either closed kind denies (the rate policy is named first)
            "true,  true,  OPEN,   OPEN,   local",
            "true,  true,  CLOSED, OPEN,   rate",
            "true,  true,  OPEN,   CLOSED, quota",
            "true,  true,  CLOSED, CLOSED, rate",
            // neither (an idempotency claim only): nothing to deny
            "false, false, CLOSED, CLOSED, local",
    })
    void denyingKind(boolean rates, boolean quota, FailurePolicy ratePolicy, FailurePolicy quotaPolicy, String expected) {
        assertEquals(expected, FailurePolicy.denyingKind(rates, quota, ratePolicy, quotaPolicy));
    }
}
