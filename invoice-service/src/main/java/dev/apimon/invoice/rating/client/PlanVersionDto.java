package dev.apimon.invoice.rating.client;

import java.math.BigDecimal;

/** The parts of a plan version invoice-service needs: the recurring fee and its interval. */
public record PlanVersionDto(String code, int version, String name, String status, String currency, String interval, BigDecimal fee) {

    /** "Pro monthly fee", the same wording rating-service uses for its fee lines. */
    public String feeDescription() {
        String n = name != null ? name : code;
        String period = switch (String.valueOf(interval)) {
            case "month" -> "monthly";
            case "year" -> "yearly";
            default -> interval;
        };
        return n + " " + period + " fee";
    }
}
