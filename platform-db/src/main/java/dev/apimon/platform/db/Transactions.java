package dev.apimon.platform.db;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** One JDBC transaction around a unit of work: commit on success, roll back on any exception. */
public final class Transactions {
    private Transactions() {
    }

    @FunctionalInterface
    public interface Work {
        void run(Connection c) throws SQLException;
    }

    public static void run(DataSource db, Work work) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                work.run(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
