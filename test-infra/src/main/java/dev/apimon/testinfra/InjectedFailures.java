package dev.apimon.testinfra;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A fault injected in the real database: the first {@code times} inserts or updates of one row fail with a chosen
 * SQLSTATE (40001 serialization failure, 08006 connection failure, ...), raised by a trigger. The count is a sequence,
 * which the failing transactions' rollbacks do not undo. Close it to remove the trigger.
 */
public record InjectedFailures(DataSource db, String name) implements AutoCloseable {

    /** Fails the first {@code times} writes of the row of {@code table} whose {@code keyColumn} is {@code key}. */
    public static InjectedFailures failFirst(DataSource db, String table, String keyColumn, String key, int times, String sqlState)
            throws SQLException {
        String name = "injected_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE SEQUENCE " + name);
            s.execute("CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "IF NEW." + keyColumn + " = '" + key.replace("'", "''") + "' AND nextval('" + name + "') <= " + times + " THEN "
                    + "RAISE EXCEPTION 'injected transient failure' USING ERRCODE = '" + sqlState + "'; END IF; "
                    + "RETURN NEW; END $$");
            s.execute("CREATE TRIGGER " + name + " BEFORE INSERT OR UPDATE ON " + table + " FOR EACH ROW EXECUTE FUNCTION " + name + "()");
        }
        return new InjectedFailures(db, name);
    }

    /** How often the trigger saw the row (failed attempts and the ones after them). */
    public long seen() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM " + name)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP FUNCTION " + name + "() CASCADE");
            s.execute("DROP SEQUENCE " + name);
        }
    }
}
