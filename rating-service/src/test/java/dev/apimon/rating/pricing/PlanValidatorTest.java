package dev.apimon.rating.pricing;

import static dev.apimon.rating.pricing.PlanFixtures.contract;
import static dev.apimon.rating.pricing.PlanFixtures.d;
import static dev.apimon.rating.pricing.PlanFixtures.flat;
import static dev.apimon.rating.pricing.PlanFixtures.graduated;
import static dev.apimon.rating.pricing.PlanFixtures.pack;
import static dev.apimon.rating.pricing.PlanFixtures.percentage;
import static dev.apimon.rating.pricing.PlanFixtures.perUnit;
import static dev.apimon.rating.pricing.PlanFixtures.tier;
import static dev.apimon.rating.pricing.PlanFixtures.volume;
import static dev.apimon.rating.pricing.PlanFixtures.withIncluded;
import static dev.apimon.rating.pricing.PlanFixtures.withMeter;
import static dev.apimon.rating.pricing.PlanFixtures.withModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.apimon.rating.pricing.PlanFixtures.PlanBuilder;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each row breaks exactly one rule of the otherwise valid contract plan and expects exactly one violation at that path.
 * Contract charges: [0] api_calls graduated, [1] images per_unit, [2] storage_gb volume, [3] sms package,
 * [4] payment_volume percentage.
 */
class PlanValidatorTest {

    private final PlanValidator validator = new PlanValidator();

    private static List<String> fields(List<Violation> violations) {
        return violations.stream().map(Violation::field).toList();
    }

    @Test
    void the_contract_plan_is_valid() {
        assertEquals(List.of(), validator.validate(contract().build()));
    }

    @Test
    void optional_parts_may_be_absent() {
        PlanBuilder b = contract();
        b.fee = null;
        b.minimumCommitment = null;
        b.creditGrant = null;
        b.rateLimits = null;
        b.quotas = null;
        b.entitlements = null;
        b.charges = null;
        assertEquals(List.of(), validator.validate(b.build()));
    }

    @Test
    void accepts_boundary_values() {
        PlanBuilder b = contract().fee("0").minimumCommitment("0");
        b.code = "a".repeat(63);
        b.interval = "year";
        b.currency = "JPY";
        b.creditGrant = new CreditGrant(d("0.01"), null, null);
        b.quotas = List.of(new Quota("api_calls", 0L, "soft"));
        b.charges = List.of(
                flat(null, "0"),
                perUnit("a", "0"),
                pack("b", 1L, "0"),
                percentage("c", "0"),
                percentage("d", "1"),
                withIncluded(graduated("e", tier("0.5", "0", "0"), tier(null, "0")), "0"));
        assertEquals(List.of(), validator.validate(b.build()));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("brokenRules")
    void reports_the_broken_rule_at_its_json_path(Consumer<PlanBuilder> breakRule, String field) {
        PlanBuilder b = contract();
        breakRule.accept(b);
        assertEquals(List.of(field), fields(validator.validate(b.build())));
    }

    static Stream<Arguments> brokenRules() {
        return Stream.of(
                row("code missing", b -> b.code = null, "code"),
                row("code blank", b -> b.code = " ", "code"),
                row("code uppercase", b -> b.code = "Pro", "code"),
                row("code starts with dash", b -> b.code = "-pro", "code"),
                row("code 64 chars", b -> b.code = "a".repeat(64), "code"),
                row("name missing", b -> b.name = null, "name"),
                row("name blank", b -> b.name = "", "name"),
                row("currency missing", b -> b.currency = null, "currency"),
                row("currency lowercase", b -> b.currency = "usd", "currency"),
                row("currency 2 letters", b -> b.currency = "US", "currency"),
                row("currency unknown", b -> b.currency = "ABC", "currency"),
                row("currency without minor units", b -> b.currency = "XAU", "currency"),
                row("interval missing", b -> b.interval = null, "interval"),
                row("interval week", b -> b.interval = "week", "interval"),
                row("fee negative", b -> b.fee("-0.01"), "fee"),
                row("minimum_commitment negative", b -> b.minimumCommitment("-1"), "minimum_commitment"),
                row("credit_grant amount zero", b -> b.creditGrant = new CreditGrant(d("0"), "P1M", null),
                        "credit_grant.amount"),
                row("credit_grant amount missing", b -> b.creditGrant = new CreditGrant(null, "P1M", null),
                        "credit_grant.amount"),
                row("credit_grant expires_after not ISO", b -> b.creditGrant = new CreditGrant(d("10"), "1 month", null),
                        "credit_grant.expires_after"),
                row("credit_grant expires_after a Duration", b -> b.creditGrant = new CreditGrant(d("10"), "PT1H", null),
                        "credit_grant.expires_after"),
                row("credit_grant expires_after zero", b -> b.creditGrant = new CreditGrant(d("10"), "P0D", null),
                        "credit_grant.expires_after"),
                row("credit_grant priority negative", b -> b.creditGrant = new CreditGrant(d("10"), "P1M", -1),
                        "credit_grant.priority"),
                // what a subscriber's period grant cannot be stored as: refused when the plan is created, not later
                row("credit_grant amount beyond NUMERIC(30, 10)", b -> b.creditGrant = new CreditGrant(d("1e20"), "P1M", null),
                        "credit_grant.amount"),
                row("credit_grant amount below its scale", b -> b.creditGrant = new CreditGrant(d("0.00000000001"), "P1M", null),
                        "credit_grant.amount"),
                row("credit_grant expires_after a billion years", b -> b.creditGrant = new CreditGrant(d("10"), "P999999999Y", null),
                        "credit_grant.expires_after"),
                row("rate limit name missing", b -> b.rateLimits.set(0, new RateLimit(null, 100L, "PT1M")),
                        "rate_limits[0].name"),
                row("rate limit name duplicate", b -> b.rateLimits.add(new RateLimit("default", 5L, "PT1S")),
                        "rate_limits[1].name"),
                row("rate limit limit zero", b -> b.rateLimits.set(0, new RateLimit("default", 0L, "PT1M")),
                        "rate_limits[0].limit"),
                row("rate limit limit missing", b -> b.rateLimits.set(0, new RateLimit("default", null, "PT1M")),
                        "rate_limits[0].limit"),
                row("rate limit window not ISO", b -> b.rateLimits.set(0, new RateLimit("default", 100L, "1m")),
                        "rate_limits[0].window"),
                row("rate limit window zero", b -> b.rateLimits.set(0, new RateLimit("default", 100L, "PT0S")),
                        "rate_limits[0].window"),
                row("rate limit window negative", b -> b.rateLimits.set(0, new RateLimit("default", 100L, "-PT1M")),
                        "rate_limits[0].window"),
                row("rate limit window missing", b -> b.rateLimits.set(0, new RateLimit("default", 100L, null)),
                        "rate_limits[0].window"),
                row("quota meter missing", b -> b.quotas.set(0, new Quota(null, 1L, "hard")), "quotas[0].meter"),
                row("quota limit negative", b -> b.quotas.set(0, new Quota("api_calls", -1L, "hard")),
                        "quotas[0].limit"),
                row("quota limit missing", b -> b.quotas.set(0, new Quota("api_calls", null, "hard")),
                        "quotas[0].limit"),
                row("quota enforcement unknown", b -> b.quotas.set(0, new Quota("api_calls", 1L, "block")),
                        "quotas[0].enforcement"),
                row("quota enforcement missing", b -> b.quotas.set(0, new Quota("api_calls", 1L, null)),
                        "quotas[0].enforcement"),
                row("charge meter missing", b -> b.charges.set(1, perUnit(null, "0.10")), "charges[1].meter"),
                row("charge meter duplicate", b -> b.charges.set(4, percentage("images", "0.01")),
                        "charges[4].meter"),
                row("flat charge meter duplicate", b -> b.charges.add(flat("sms", "1")), "charges[5].meter"),
                row("charge model missing", b -> b.charges.set(1, withModel(perUnit("images", "0.10"), null)),
                        "charges[1].model"),
                row("charge model unknown", b -> b.charges.set(1, withModel(perUnit("images", "0.10"), "tiered")),
                        "charges[1].model"),
                row("included_units negative", b -> b.charges.set(1, withIncluded(perUnit("images", "0.10"), "-1")),
                        "charges[1].included_units"),
                row("per_unit unit_amount missing", b -> b.charges.set(1, perUnit("images", null)),
                        "charges[1].unit_amount"),
                row("per_unit unit_amount negative", b -> b.charges.set(1, perUnit("images", "-0.10")),
                        "charges[1].unit_amount"),
                row("graduated without tiers", b -> b.charges.set(0, graduated("api_calls")), "charges[0].tiers"),
                row("graduated tiers null", b -> b.charges.set(0, withModel(perUnit("api_calls", "1"), "graduated")),
                        "charges[0].tiers"),
                row("tiers not ascending", b -> b.charges.set(0, graduated("api_calls",
                        tier("100", "1"), tier("100", "1"), tier(null, "1"))), "charges[0].tiers[1].up_to"),
                row("tiers descending", b -> b.charges.set(0, graduated("api_calls",
                        tier("100", "1"), tier("50", "1"), tier(null, "1"))), "charges[0].tiers[1].up_to"),
                row("open-ended tier not last", b -> b.charges.set(0, graduated("api_calls",
                        tier(null, "1"), tier(null, "1"))), "charges[0].tiers[0].up_to"),
                row("last tier bounded", b -> b.charges.set(0, graduated("api_calls",
                        tier("100", "1"), tier("200", "1"))), "charges[0].tiers[1].up_to"),
                row("tier up_to zero", b -> b.charges.set(0, graduated("api_calls",
                        tier("0", "1"), tier(null, "1"))), "charges[0].tiers[0].up_to"),
                row("tier unit_amount missing", b -> b.charges.set(0, graduated("api_calls",
                        tier("100", "1"), tier(null, null))), "charges[0].tiers[1].unit_amount"),
                row("tier unit_amount negative", b -> b.charges.set(0, graduated("api_calls",
                        tier("100", "-1"), tier(null, "1"))), "charges[0].tiers[0].unit_amount"),
                row("graduated tier flat_amount negative", b -> b.charges.set(0, graduated("api_calls",
                        tier("100", "1", "-5"), tier(null, "1"))), "charges[0].tiers[0].flat_amount"),
                row("volume tiers not ascending", b -> b.charges.set(2, volume("storage_gb",
                        tier("100", "0.2"), tier("10", "0.1"), tier(null, "0.1"))), "charges[2].tiers[1].up_to"),
                row("volume tier flat_amount negative", b -> b.charges.set(2, volume("storage_gb",
                        tier("100", "0.2"), tier(null, "0.1", "-1"))), "charges[2].tiers[1].flat_amount"),
                row("package_size zero", b -> b.charges.set(3, pack("sms", 0L, "5.00")), "charges[3].package_size"),
                row("package_size missing", b -> b.charges.set(3, pack("sms", null, "5.00")),
                        "charges[3].package_size"),
                row("package_amount negative", b -> b.charges.set(3, pack("sms", 100L, "-5")),
                        "charges[3].package_amount"),
                row("package_amount missing", b -> b.charges.set(3, pack("sms", 100L, null)),
                        "charges[3].package_amount"),
                row("percentage rate above 1", b -> b.charges.set(4, percentage("payment_volume", "1.5")),
                        "charges[4].rate"),
                row("percentage rate negative", b -> b.charges.set(4, percentage("payment_volume", "-0.01")),
                        "charges[4].rate"),
                row("percentage rate missing", b -> b.charges.set(4, percentage("payment_volume", null)),
                        "charges[4].rate"),
                row("flat flat_amount missing", b -> b.charges.add(flat(null, null)), "charges[5].flat_amount"),
                row("flat flat_amount negative", b -> b.charges.add(flat("setup", "-1")), "charges[5].flat_amount"),
                row("null charge", b -> b.charges.add(null), "charges[5]"));
    }

    private static Arguments row(String name, Consumer<PlanBuilder> breakRule, String field) {
        return arguments(named(name, breakRule), field);
    }

    @Test
    void a_flat_charge_may_omit_its_meter_even_twice() {
        PlanBuilder b = contract();
        b.charges.add(flat(null, "5"));
        b.charges.add(flat(null, "7"));
        assertEquals(List.of(), validator.validate(b.build()));
    }

    @Test
    void reports_every_violation_not_just_the_first() {
        PlanBuilder b = contract().fee("-1");
        b.code = "BAD";
        b.currency = "usd";
        b.charges.set(0, graduated("api_calls", tier(null, "-1"), tier("5", "1")));
        b.charges.set(3, withMeter(pack("sms", 0L, "5"), "images"));
        List<Violation> violations = validator.validate(b.build());
        assertEquals(List.of(
                "code",
                "currency",
                "fee",
                "charges[0].tiers[0].up_to",
                "charges[0].tiers[0].unit_amount",
                "charges[0].tiers[1].up_to",
                "charges[3].meter",
                "charges[3].package_size"), fields(violations));
        violations.forEach(v -> assertEquals(false, v.message().isBlank()));
    }
}
