package dev.apimon.invoice.billingruns.domain;

import dev.apimon.invoice.invoices.domain.InvoiceGenerator;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.config.Config;

/**
 * Tax rate per customer region, {@code apimon.tax.rates.<REGION>=<rate>} (e.g. {@code apimon.tax.rates.GB=0.20}, or
 * env {@code APIMON_TAX_RATES_GB=0.20}); the region is the customer's {@code attributes.region}. A region without a
 * rate is invoiced without a tax line.
 */
@Singleton
public class TaxRates {
    private static final String PREFIX = "apimon.tax.rates.";
    private final Map<String, BigDecimal> rates = new HashMap<>();

    public TaxRates(Config config) {
        for (String name : config.getPropertyNames()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith(PREFIX) && name.length() > PREFIX.length()) {
                String region = name.substring(PREFIX.length()).toUpperCase(Locale.ROOT);
                BigDecimal rate = new BigDecimal(config.getValue(name, String.class).trim());
                if (rate.signum() < 0 || rate.compareTo(BigDecimal.ONE) > 0) {
                    throw new IllegalArgumentException(name + " must be a rate between 0 and 1 (0.20 = 20%)");
                }
                rates.put(region, rate);
            }
        }
        // env vars APIMON_TAX_RATES_XX are not listed by name unless the property is known; look for them too
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("APIMON_TAX_RATES_") && k.length() > "APIMON_TAX_RATES_".length()) {
                rates.put(k.substring("APIMON_TAX_RATES_".length()).toUpperCase(Locale.ROOT), new BigDecimal(v.trim()));
            }
        });
    }

    /** The tax for a region, or null when none is configured. */
    public InvoiceGenerator.Tax forRegion(String region) {
        if (region == null || region.isBlank()) {
            return null;
        }
        String r = region.toUpperCase(Locale.ROOT);
        BigDecimal rate = rates.get(r);
        return rate == null ? null : new InvoiceGenerator.Tax(r, rate);
    }
}
