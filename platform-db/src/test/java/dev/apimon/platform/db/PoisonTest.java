package dev.apimon.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonParseException;
import java.io.IOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.List;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** Poison is what a retry cannot change; everything the infrastructure may get over is retried. */
class PoisonTest {
    record Case(String what, Throwable failure, boolean poison) {
    }

    @Test
    void whatARetryCannotChangeIsPoison_theInfrastructuresFailuresAreNot() {
        List<Case> cases = List.of(
                new Case("a value the column cannot hold (22001)", new SQLException("too long", "22001"), true),
                new Case("a constraint violation (23505)", new SQLException("dup", "23505"), true),
                new Case("an index row too large (54000)", new SQLException("big", "54000"), true),
                new Case("a serialization failure (40001)", new SQLException("retry", "40001"), false),
                new Case("a lost connection (08006)", new SQLException("gone", "08006"), false),
                new Case("no SQLState (pool timeout)", new SQLException("pool"), false),
                new Case("JSON that cannot be read, wrapped", new IllegalStateException("bad", new JsonParseException(null, "x")), true),
                new Case("a record Kafka will never take", new RecordTooLargeException("1 MB"), true),
                new Case("a record that cannot be serialized", new SerializationException("x"), true),
                new Case("Kafka without enough replicas", new NotEnoughReplicasException("isr"), false),
                new Case("a refused connection", new IllegalStateException(new ConnectException("refused")), false),
                new Case("an I/O failure", new IOException("reset"), false),
                new Case("a plain bug in the handler", new NullPointerException(), true));
        for (Case c : cases) {
            assertEquals(c.poison(), Poison.suspect(c.failure()), c.what());
        }
    }
}
