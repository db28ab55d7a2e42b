package dev.apimon.key.support;

import io.agroal.api.AgroalDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.awaitility.Awaitility;

/** Small SQL helpers for assertions on the service's own database. */
public final class Db {
    private Db() {
    }

    public static long count(AgroalDataSource db, String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String string(AgroalDataSource db, String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void exec(AgroalDataSource db, String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until key-service's catalog consumer stored the plan version with that status. */
    public static void awaitPlan(AgroalDataSource db, String code, int version, String status) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                status.equals(string(db, "SELECT status FROM catalog_plans WHERE code = ? AND version = ?", code, version)));
    }

    /** Makes the customers bound to the demo tokens exist (alice -> cus_demo_alice, bob -> cus_demo_bob). */
    public static void demoCustomers(AgroalDataSource db) {
        exec(db, "INSERT INTO customers (id, name, currency, created_at, updated_at) VALUES "
                + "('cus_demo_alice', 'Alice Inc', 'USD', now(), now()), ('cus_demo_bob', 'Bob Ltd', 'USD', now(), now()) "
                + "ON CONFLICT DO NOTHING");
    }
}
