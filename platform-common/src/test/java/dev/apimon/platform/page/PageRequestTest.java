package dev.apimon.platform.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.apimon.platform.problem.ProblemException;
import org.junit.jupiter.api.Test;

class PageRequestTest {
    @Test
    void limitIsOptionalBoundedAndNamedWhenWrong() {
        assertEquals(new PageRequest(50, null), PageRequest.of(null, " "));
        assertEquals(new PageRequest(500, "c1"), PageRequest.of(" 500 ", "c1"));
        assertEquals(new PageRequest(1, null), PageRequest.of("1", null));
        for (String bad : new String[] {"abc", "0", "501", "-3", "1.5", "99999999999"}) {
            ProblemException e = assertThrows(ProblemException.class, () -> PageRequest.of(bad, null), bad);
            assertEquals(400, e.status(), bad);
            assertEquals("limit", e.errors().get(0).field(), bad);
            assertEquals("must be an integer between 1 and 500", e.errors().get(0).message(), bad);
        }
    }
}
