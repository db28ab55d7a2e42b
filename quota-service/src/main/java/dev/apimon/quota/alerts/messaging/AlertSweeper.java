package dev.apimon.quota.alerts.messaging;

import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.alerts.domain.QuotaAlert;
import dev.apimon.quota.limits.domain.CounterKeys;
import io.quarkus.scheduler.Scheduled;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Re-sends alerts still pending after {@code apimon.quota.alerts.resend-after}: Kafka refused them, or the replica
 * that fired them died before Kafka acknowledged them. Every replica sweeps, every sweep re-sends what is still
 * there, until Kafka acknowledges it: at least once. A re-send keeps the alert's event id (and its time), so
 * consumers deduplicate it.
 */
@Singleton
public class AlertSweeper {
    private static final Logger LOG = Logger.getLogger(AlertSweeper.class);
    private static final int BATCH = 100;

    private final Redis redis;
    private final AlertPublisher publisher;
    private final Duration resendAfter;

    public AlertSweeper(Redis redis, AlertPublisher publisher, QuotaConfig config) {
        this.redis = redis;
        this.publisher = publisher;
        this.resendAfter = config.alerts().resendAfter();
    }

    // wall-clock time, as limits.lua scores with Redis' own TIME (not the service's clock, which tests move)
    @Scheduled(every = "${apimon.quota.alerts.sweep-every:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        long now = Clock.systemUTC().millis();
        Response due;
        try {
            due = redis.send(Request.cmd(Command.ZRANGEBYSCORE).arg(CounterKeys.PENDING_ALERTS).arg("-inf").arg(now - resendAfter.toMillis())
                    .arg("WITHSCORES").arg("LIMIT").arg(0).arg(BATCH)).await().atMost(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.debugf("pending alerts not read (%s); next sweep", e.toString());
            return;
        }
        if (due == null) {
            return;
        }
        for (int i = 0; i < due.size(); ) {
            // RESP3 answers WITHSCORES as [member, score] pairs, RESP2 as one flat list
            Response entry = due.get(i);
            String member;
            long firedAt;
            if (entry.type() == ResponseType.MULTI) {
                member = entry.get(0).toString();
                firedAt = (long) Double.parseDouble(entry.get(1).toString());
                i += 1;
            } else if (i + 1 < due.size()) {
                member = entry.toString();
                firedAt = (long) Double.parseDouble(due.get(i + 1).toString());
                i += 2;
            } else {
                break;
            }
            QuotaAlert alert = QuotaAlert.fromPending(member, Instant.ofEpochMilli(firedAt));
            try {
                if (alert == null) {
                    LOG.warnf("dropping unreadable pending alert %s", member);
                    redis.send(Request.cmd(Command.ZREM).arg(CounterKeys.PENDING_ALERTS).arg(member)).await().atMost(Duration.ofSeconds(2));
                    continue;
                }
                LOG.infof("re-sending quota alert %s (pending since %s)", alert.eventId(), alert.at());
                publisher.publish(List.of(alert));
            } catch (RuntimeException e) {
                LOG.debugf("pending alert %s not re-sent now (%s)", member, e.toString());
                return;
            }
        }
    }
}
