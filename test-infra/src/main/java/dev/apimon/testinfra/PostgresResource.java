package dev.apimon.testinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/**
 * A fresh database per test run on the real PostgreSQL server (APIMON_PG_HOST/PORT/USER/PASSWORD, default the
 * machine's 127.0.0.1:5432 as postgres). Dropped when the run ends.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {
    private String database;

    static String host() {
        return System.getenv().getOrDefault("APIMON_PG_HOST", "127.0.0.1");
    }

    static String port() {
        return System.getenv().getOrDefault("APIMON_PG_PORT", "5432");
    }

    static String user() {
        return System.getenv().getOrDefault("APIMON_PG_USER", "postgres");
    }

    static String password() {
        return System.getenv().getOrDefault("APIMON_PG_PASSWORD", "");
    }

    private static Connection admin() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host() + ":" + port() + "/postgres", user(), password());
    }

    @Override
    public Map<String, String> start() {
        database = "apimon_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        for (int attempt = 1; ; attempt++) {
            try (Connection c = admin(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + database);
                break;
            } catch (SQLException e) {
                // e.g. "source database template1 is being accessed by other users" for a moment: try again
                if (attempt == 3) {
                    throw new IllegalStateException("PostgreSQL at " + host() + ":" + port()
                            + " is not usable (run bin/apimon test, which starts it): " + e.getMessage(), e);
                }
                Processes.sleep(1000);
            }
        }
        String url = "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
        return Map.of("quarkus.datasource.jdbc.url", url,
                "quarkus.datasource.username", user(),
                "quarkus.datasource.password", password());
    }

    @Override
    public void stop() {
        if (database == null) {
            return;
        }
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop test database " + database + ": " + e.getMessage());
        }
    }
}
