package dev.apimon.platform.db;

/**
 * Tells a record the consumer can never process (retrying changes nothing: dead-letter it and go on) from a failure
 * of the infrastructure (retry the batch: the record is fine).
 */
public final class Poison {
    private Poison() {
    }

    /** Infrastructure failures are retried; anything else points at a record the handler cannot process. */
    public static boolean suspect(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException sql) {
                // data exceptions (22), constraint violations (23) and program limits (54: an index row too large)
                // come from a record's content, not from the database's health
                String state = sql.getSQLState();
                return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
            }
            if (t instanceof com.fasterxml.jackson.core.JacksonException
                    || t instanceof org.apache.kafka.common.errors.RecordTooLargeException
                    || t instanceof org.apache.kafka.common.errors.RecordBatchTooLargeException
                    || t instanceof org.apache.kafka.common.errors.SerializationException
                    || t instanceof org.apache.kafka.common.InvalidRecordException) {
                // JSON that cannot be read or written, a record Kafka will never take: the same on every retry
                // (checked before the IOException and KafkaException they extend)
                return true;
            }
            if (t instanceof org.apache.kafka.common.KafkaException
                    || t instanceof java.util.concurrent.TimeoutException || t instanceof InterruptedException
                    || t instanceof java.io.IOException) {
                return false;
            }
        }
        return true;
    }
}
