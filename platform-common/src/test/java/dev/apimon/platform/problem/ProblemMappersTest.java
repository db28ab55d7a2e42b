package dev.apimon.platform.problem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProblemMappersTest {

    @ParameterizedTest(name = "SQLState {0} -> {1}")
    @CsvSource({
            "22021, 400", // U+0000 in text
            "22P05, 400", // U+0000 escape in jsonb
            "22003, 400", // numeric field overflow
            "22008, 400", // datetime field overflow
            "23505, 500", // unique violation: not the input's shape, left to the code that expects it
            "08006, 500"}) // connection failure
    void databaseDataExceptionsAreTheInputsFault(String state, int status) {
        // as the stores throw them: bare, or wrapped by the code around the statement
        Response bare = new ProblemMappers().internal(new SQLException("refused", state));
        Response wrapped = new ProblemMappers().internal(new IllegalStateException("batch failed", new SQLException("refused", state)));
        assertEquals(status, bare.getStatus());
        assertEquals(status, wrapped.getStatus());
        assertEquals(status == 400 ? "VALIDATION_FAILED" : "INTERNAL_ERROR", ((Problem) bare.getEntity()).code());
    }
}
