package dev.apimon.usage.ingest.messaging;

/** Kafka did not take a request's events (its transaction was aborted): nothing of the request was accepted. */
public class LogUnavailableException extends Exception {
    public LogUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
