package dev.apimon.usage.ingest.domain;

import java.util.List;

/** The 202 answer: {"accepted": n, "duplicates": n, "rejected": [{"index", "id", "error"}]}. */
public record IngestResult(int accepted, int duplicates, List<Rejection> rejected) {
}
