package dev.apimon.rating.customerpricing.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.rating.credits.domain.CreditService;
import dev.apimon.rating.credits.domain.CreditSourceView;
import dev.apimon.rating.previews.domain.CustomerPricing;
import dev.apimon.rating.pricing.Charge;
import dev.apimon.rating.pricing.CreditSource;
import dev.apimon.rating.pricing.Discount;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Overrides, coupons and discounts in PostgreSQL; credits through {@link CreditService}. */
@Singleton
public class CustomerPricingStore implements CustomerPricing {
    private final AgroalDataSource db;
    private final ObjectMapper json;
    private final CreditService credits;

    public CustomerPricingStore(AgroalDataSource db, ObjectMapper json, CreditService credits) {
        this.db = db;
        this.json = json;
        this.credits = credits;
    }

    public record Coupon(String code, BigDecimal percent, BigDecimal amount, String currency, Integer durationPeriods) {
    }

    public record CustomerDiscount(long id, String customerId, String couponCode, Instant startsAt, Instant endsAt) {
    }

    @Override
    public Map<String, Charge> overrides(String customerId) {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT meter, charge FROM price_overrides WHERE customer_id = ? ORDER BY meter")) {
            ps.setString(1, customerId);
            Map<String, Charge> out = new LinkedHashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), json.readValue(rs.getString(2), Charge.class));
                }
            }
            return out;
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public void putOverride(String customerId, Charge charge, Instant now) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO price_overrides "
                + "(customer_id, meter, charge, created_at) VALUES (?,?,?::jsonb,?) ON CONFLICT (customer_id, meter) "
                + "DO UPDATE SET charge = EXCLUDED.charge, created_at = EXCLUDED.created_at")) {
            ps.setString(1, customerId);
            ps.setString(2, charge.meter());
            ps.setString(3, json.writeValueAsString(charge));
            ps.setTimestamp(4, Timestamp.from(now));
            ps.executeUpdate();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public boolean deleteOverride(String customerId, String meter) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM price_overrides WHERE customer_id = ? AND meter = ?")) {
            ps.setString(1, customerId);
            ps.setString(2, meter);
            return ps.executeUpdate() == 1;
        }
    }

    @Override
    public List<Discount> activeDiscounts(String customerId, Instant at) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT k.code, k.percent, k.amount FROM "
                + "customer_discounts d JOIN coupons k ON k.code = d.coupon_code WHERE d.customer_id = ? AND d.starts_at <= ? "
                + "AND (d.ends_at IS NULL OR d.ends_at > ?) ORDER BY d.id")) {
            ps.setString(1, customerId);
            ps.setTimestamp(2, Timestamp.from(at));
            ps.setTimestamp(3, Timestamp.from(at));
            List<Discount> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Discount(rs.getString(1), rs.getBigDecimal(2), rs.getBigDecimal(3)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<CreditSource> credits(String customerId, String currency, Instant at) {
        try {
            // balances as of the pricing instant: a closed period rates the same after its credits were burnt
            return (at == null ? credits.usable(customerId, currency) : credits.usableAt(customerId, currency, at)).stream()
                    .map(CreditSourceView::forPricing).toList();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** false when the code exists already (coupons never change once created). */
    public boolean createCoupon(Coupon k, Instant now) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO coupons (code, percent, amount, "
                + "currency, duration_periods, created_at) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, k.code());
            ps.setBigDecimal(2, k.percent());
            ps.setBigDecimal(3, k.amount());
            ps.setString(4, k.currency());
            if (k.durationPeriods() == null) {
                ps.setNull(5, java.sql.Types.INTEGER);
            } else {
                ps.setInt(5, k.durationPeriods());
            }
            ps.setTimestamp(6, Timestamp.from(now));
            return ps.executeUpdate() == 1;
        }
    }

    public java.util.Optional<Coupon> coupon(String code) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT * FROM coupons WHERE code = ?")) {
            ps.setString(1, code);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return java.util.Optional.empty();
                }
                int d = rs.getInt("duration_periods");
                return java.util.Optional.of(new Coupon(rs.getString("code"), rs.getBigDecimal("percent"), rs.getBigDecimal("amount"),
                        rs.getString("currency"), rs.wasNull() ? null : d));
            }
        }
    }

    /** Applies a coupon from {@code startsAt}; a coupon for N periods ends N months later (monthly billing). */
    public CustomerDiscount applyCoupon(String customerId, Coupon k, Instant startsAt, Instant now) throws SQLException {
        Instant ends = k.durationPeriods() == null ? null
                : startsAt.atOffset(ZoneOffset.UTC).plusMonths(k.durationPeriods()).toInstant();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO customer_discounts "
                + "(customer_id, coupon_code, starts_at, ends_at, created_at) VALUES (?,?,?,?,?) RETURNING id")) {
            ps.setString(1, customerId);
            ps.setString(2, k.code());
            ps.setTimestamp(3, Timestamp.from(startsAt));
            ps.setTimestamp(4, ends == null ? null : Timestamp.from(ends));
            ps.setTimestamp(5, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new CustomerDiscount(rs.getLong(1), customerId, k.code(), startsAt, ends);
            }
        }
    }
}
