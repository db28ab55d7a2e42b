package dev.apimon.rating.catalog.domain;

import dev.apimon.rating.pricing.PlanVersion;
import java.time.Instant;

/** A stored plan version with its lifecycle; {@code plan.status()} mirrors {@code status}. */
public record CatalogEntry(PlanVersion plan, String status, Instant createdAt, Instant publishedAt) {
    public static final String DRAFT = "draft";
    public static final String PUBLISHED = "published";
    public static final String ARCHIVED = "archived";
}
