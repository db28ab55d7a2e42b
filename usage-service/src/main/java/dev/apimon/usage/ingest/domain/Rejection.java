package dev.apimon.usage.ingest.domain;

/** One batch item that was not accepted, with the reason a client can act on. */
public record Rejection(int index, String id, String error) {
}
