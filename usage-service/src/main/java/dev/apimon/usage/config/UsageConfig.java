package dev.apimon.usage.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** usage-service settings ({@code apimon.usage.*}); every key can be overridden by an environment variable. */
@ConfigMapping(prefix = "apimon.usage")
public interface UsageConfig {
    Topics topics();

    Ingest ingest();

    Dedup dedup();

    RawLog rawLog();

    Aggregation aggregation();

    /** How often the ledger, the raw log and idempotency answers are purged of expired rows. */
    @WithDefault("PT1H")
    Duration purgeEvery();

    interface Topics {
        @WithDefault("usage.events")
        String events();

        @WithDefault("usage.aggregates")
        String aggregates();

        @WithDefault("apimon.dead-letter")
        String deadLetter();

        @WithDefault("customers.events")
        String customers();
    }

    interface Ingest {
        /** Events per request (the contract says up to 1000). */
        @WithDefault("1000")
        int maxBatch();

        /**
         * Transactional producers, each with its committer thread: Kafka transactions running at the same time.
         * Requests arriving meanwhile join the next transaction (group commit): one was fastest on a 2-core box
         * with a local broker (fewer, larger transactions); more help where each commit waits on a remote cluster.
         */
        @WithDefault("1")
        int producers();

        /** A transaction takes further waiting requests while it holds fewer events than this. */
        @WithDefault("8000")
        int groupEvents();

        /** Prefix of the producers' transactional.id; must differ between replicas (default: the host/pod name). */
        Optional<String> transactionalIdPrefix();

        /**
         * Compression of the ingest producers' batches (none, gzip, snappy, lz4, zstd). Off by default: on a
         * loopback broker lz4 took a third of the ingest CPU (lz4-java's pure-Java compressor) and the broker's CPU
         * did not drop; worth it where the network to Kafka, not CPU, is the limit.
         */
        @WithDefault("none")
        String compression();

        /** How long a request waits for Kafka before it answers 503. */
        @WithDefault("PT10S")
        Duration publishTimeout();

        @WithDefault("2")
        int retryAfterSeconds();

        @WithDefault("PT5M")
        Duration maxFutureSkew();

        /** Largest accepted event data (serialized JSON). */
        @WithDefault("262144")
        int maxDataBytes();

        /** How long a known customer stays cached (customers never disappear; the TTL only refreshes external ids). */
        @WithDefault("PT60S")
        Duration customerCacheTtl();

        /** How long meter definitions are cached for validation (changes made here are seen at once). */
        @WithDefault("PT2S")
        Duration meterCacheTtl();

        /** How long an Idempotency-Key's first answer is kept. */
        @WithDefault("PT24H")
        Duration idempotencyRetention();
    }

    interface Dedup {
        /** How long a claimed (customer, source, id) is remembered; also the oldest accepted event time. */
        @WithDefault("P35D")
        Duration window();
    }

    interface RawLog {
        /** How long the raw event log keeps events (by ingestion time); at least the dedup window + 1 day. */
        @WithDefault("P400D")
        Duration retention();
    }

    interface Aggregation {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("usage-aggregator")
        String groupId();

        @WithDefault("2000")
        int maxPollRecords();

        /** Consumer threads in the group (partitions are shared among them): JVM and database work overlap. */
        @WithDefault("3")
        int consumers();
    }
}
