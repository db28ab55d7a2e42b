package dev.apimon.usage.aggregation.domain;

import dev.apimon.usage.meters.domain.Aggregation;

/** A bucket whose value changed in this transaction: published on usage.aggregates. */
public record BucketChange(BucketKey key, Aggregation aggregation, BucketState state) {
}
