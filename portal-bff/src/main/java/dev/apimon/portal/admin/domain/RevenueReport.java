package dev.apimon.portal.admin.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Provider view of the current periods (plain Java): revenue so far by plan and by a customer attribute, ARPU,
 * top customers and customers close to a quota. Amounts are summed per currency — different currencies never mix.
 */
public final class RevenueReport {
    private RevenueReport() {
    }

    public record CustomerSpend(String customerId, String planCode, String currency, BigDecimal total, List<Gauge> quotas) {
    }

    public record Gauge(String meter, BigDecimal used, long limit) {
    }

    public record Report(String currency, int customers, BigDecimal revenue, BigDecimal arpu, Map<String, BigDecimal> byPlan,
                         Map<String, BigDecimal> bySegment, List<CustomerSpend> topCustomers, List<NearLimit> nearLimits) {
    }

    public record NearLimit(String customerId, String meter, BigDecimal used, long limit, BigDecimal percent) {
    }

    public static List<Report> build(List<CustomerSpend> spends, Function<String, String> segmentOf, int top) {
        Map<String, List<CustomerSpend>> byCurrency = new TreeMap<>();
        spends.forEach(s -> byCurrency.computeIfAbsent(s.currency(), c -> new ArrayList<>()).add(s));
        List<Report> out = new ArrayList<>();
        byCurrency.forEach((currency, list) -> {
            BigDecimal revenue = list.stream().map(CustomerSpend::total).reduce(BigDecimal.ZERO, BigDecimal::add);
            int scale = list.stream().mapToInt(s -> s.total().scale()).max().orElse(2);
            Map<String, BigDecimal> byPlan = new TreeMap<>();
            Map<String, BigDecimal> bySegment = new TreeMap<>();
            List<NearLimit> near = new ArrayList<>();
            for (CustomerSpend s : list) {
                byPlan.merge(s.planCode(), s.total(), BigDecimal::add);
                bySegment.merge(segmentOf.apply(s.customerId()), s.total(), BigDecimal::add);
                for (Gauge g : s.quotas()) {
                    if (g.limit() > 0) {
                        BigDecimal percent = g.used().multiply(BigDecimal.valueOf(100)).divide(BigDecimal.valueOf(g.limit()), 1, RoundingMode.HALF_UP);
                        if (percent.compareTo(BigDecimal.valueOf(90)) >= 0) { // within 10 % of the quota, or past it
                            near.add(new NearLimit(s.customerId(), g.meter(), g.used(), g.limit(), percent));
                        }
                    }
                }
            }
            BigDecimal arpu = revenue.divide(BigDecimal.valueOf(list.size()), scale, RoundingMode.HALF_UP);
            List<CustomerSpend> topList = list.stream().sorted(Comparator.comparing(CustomerSpend::total).reversed()
                    .thenComparing(CustomerSpend::customerId)).limit(top).toList();
            near.sort(Comparator.comparing(NearLimit::percent).reversed());
            out.add(new Report(currency, list.size(), revenue, arpu, byPlan, bySegment, topList, near));
        });
        return out;
    }
}
