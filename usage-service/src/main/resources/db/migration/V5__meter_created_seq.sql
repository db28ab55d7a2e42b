-- Where the raw log stood when the meter was created (its last seq; creation waits for the aggregator batches in
-- flight, and later batches see the meter): events appended after it are the ones the meter counts. A correction's
-- recompute of an hour counts only those, so it never backfills events from before the meter. NULL for meters
-- created before this column: they count every event of a recomputed hour, as before.
ALTER TABLE meters ADD COLUMN created_seq BIGINT;
