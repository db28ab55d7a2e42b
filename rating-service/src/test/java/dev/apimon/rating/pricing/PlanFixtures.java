package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Test data: the contract plan of the plan-version JSON and short factories for charges and tiers. */
final class PlanFixtures {

    private PlanFixtures() {
    }

    static BigDecimal d(String value) {
        return value == null ? null : new BigDecimal(value);
    }

    static Tier tier(String upTo, String unitAmount) {
        return new Tier(d(upTo), d(unitAmount), null);
    }

    static Tier tier(String upTo, String unitAmount, String flatAmount) {
        return new Tier(d(upTo), d(unitAmount), d(flatAmount));
    }

    static Charge perUnit(String meter, String unitAmount) {
        return new Charge(meter, Charge.PER_UNIT, d(unitAmount), null, null, null, null, null, null, null);
    }

    static Charge graduated(String meter, Tier... tiers) {
        return new Charge(meter, Charge.GRADUATED, null, List.of(tiers), null, null, null, null, null, null);
    }

    static Charge volume(String meter, Tier... tiers) {
        return new Charge(meter, Charge.VOLUME, null, List.of(tiers), null, null, null, null, null, null);
    }

    static Charge pack(String meter, Long size, String amount) {
        return new Charge(meter, Charge.PACKAGE, null, null, size, d(amount), null, null, null, null);
    }

    static Charge percentage(String meter, String rate) {
        return new Charge(meter, Charge.PERCENTAGE, null, null, null, null, d(rate), null, null, null);
    }

    static Charge flat(String meter, String amount) {
        return new Charge(meter, Charge.FLAT, null, null, null, null, null, d(amount), null, null);
    }

    static Charge withModel(Charge c, String model) {
        return new Charge(c.meter(), model, c.unitAmount(), c.tiers(), c.packageSize(), c.packageAmount(), c.rate(),
                c.flatAmount(), c.includedUnits(), c.description());
    }

    static Charge withMeter(Charge c, String meter) {
        return new Charge(meter, c.model(), c.unitAmount(), c.tiers(), c.packageSize(), c.packageAmount(), c.rate(),
                c.flatAmount(), c.includedUnits(), c.description());
    }

    static Charge withIncluded(Charge c, String includedUnits) {
        return new Charge(c.meter(), c.model(), c.unitAmount(), c.tiers(), c.packageSize(), c.packageAmount(), c.rate(),
                c.flatAmount(), d(includedUnits), c.description());
    }

    static Charge withDescription(Charge c, String description) {
        return new Charge(c.meter(), c.model(), c.unitAmount(), c.tiers(), c.packageSize(), c.packageAmount(), c.rate(),
                c.flatAmount(), c.includedUnits(), description);
    }

    /** charges[0] of the contract: first 10000 calls free, then 0.005 each. */
    static Charge apiCalls() {
        return graduated("api_calls", tier("10000", "0"), tier(null, "0.005"));
    }

    static Charge storage() {
        return volume("storage_gb", tier("100", "0.20", "0"), tier(null, "0.10"));
    }

    static List<Charge> contractCharges() {
        return List.of(
                apiCalls(),
                perUnit("images", "0.10"),
                storage(),
                pack("sms", 100L, "5.00"),
                percentage("payment_volume", "0.029"));
    }

    /** The plan-version JSON of the contract, field for field. */
    static PlanBuilder contract() {
        PlanBuilder b = new PlanBuilder();
        b.code = "pro";
        b.version = 3;
        b.name = "Pro";
        b.status = "published";
        b.currency = "USD";
        b.interval = "month";
        b.fee = d("49.00");
        b.minimumCommitment = d("100.00");
        b.creditGrant = new CreditGrant(d("10.00"), "P1M", null);
        b.rateLimits = new ArrayList<>(List.of(new RateLimit("default", 100L, "PT1M")));
        b.quotas = new ArrayList<>(List.of(new Quota("api_calls", 50000L, "hard")));
        b.entitlements = new ArrayList<>(List.of("GET /pets/**", "POST /pets", "feature:webhooks"));
        b.charges = new ArrayList<>(contractCharges());
        return b;
    }

    /** A plain plan for engine tests: no minimum commitment, no fee unless set. */
    static PlanBuilder simple(String currency, Charge... charges) {
        PlanBuilder b = new PlanBuilder();
        b.code = "simple";
        b.version = 1;
        b.name = "Simple";
        b.status = "draft";
        b.currency = currency;
        b.interval = "month";
        b.charges = new ArrayList<>(Arrays.asList(charges));
        return b;
    }

    /** Mutable stand-in for the PlanVersion record so each test changes only the field it is about. */
    static final class PlanBuilder {
        String code;
        Integer version;
        String name;
        String status;
        String currency;
        String interval;
        BigDecimal fee;
        BigDecimal minimumCommitment;
        CreditGrant creditGrant;
        List<RateLimit> rateLimits = new ArrayList<>();
        List<Quota> quotas = new ArrayList<>();
        List<String> entitlements = new ArrayList<>();
        List<Charge> charges = new ArrayList<>();

        PlanBuilder fee(String value) {
            fee = d(value);
            return this;
        }

        PlanBuilder minimumCommitment(String value) {
            minimumCommitment = d(value);
            return this;
        }

        PlanVersion build() {
            return new PlanVersion(code, version, name, status, currency, interval, fee, minimumCommitment, creditGrant,
                    rateLimits, quotas, entitlements, charges);
        }
    }
}
