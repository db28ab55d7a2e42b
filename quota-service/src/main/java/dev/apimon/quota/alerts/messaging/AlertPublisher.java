package dev.apimon.quota.alerts.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.alerts.domain.QuotaAlert;
import dev.apimon.quota.limits.domain.CounterKeys;
import dev.apimon.quota.shared.messaging.EventProducer;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Singleton;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Publishes quota threshold alerts to billing.alerts. Once-ness comes from the Redis HSETNX marker the limiter
 * script set; the same script put the alert in the pending set, and it leaves that set only once Kafka has it. An
 * alert Kafka refused, or whose sender died before the acknowledgement, is re-sent by {@link AlertSweeper}.
 * Alerts are sent for live keys only (test-mode usage is not billed).
 */
@Singleton
public class AlertPublisher {
    public static final String TYPE = "com.apimon.alert.quota_threshold";
    private static final Logger LOG = Logger.getLogger(AlertPublisher.class);

    private final EventProducer producer;
    private final ObjectMapper json;
    private final Redis redis;
    private final String topic;
    private final String source;
    private final MeterRegistry metrics;

    public AlertPublisher(EventProducer producer, ObjectMapper json, Redis redis, QuotaConfig config, MeterRegistry metrics) {
        this.producer = producer;
        this.json = json;
        this.redis = redis;
        this.topic = config.alerts().topic();
        this.source = config.usage().source();
        this.metrics = metrics;
    }

    public void publish(List<QuotaAlert> alerts) {
        for (QuotaAlert a : alerts) {
            if (!"live".equals(a.env())) {
                acknowledged(a);
                continue;
            }
            ProducerRecord<String, byte[]> rec;
            try {
                rec = new ProducerRecord<>(topic, a.customerId(), json.writeValueAsBytes(payload(a)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            EventProducer.cloudEvent(rec.headers(), a.eventId(), source, TYPE, a.customerId(), a.at());
            producer.send(rec).whenComplete((md, ex) -> {
                if (ex == null) {
                    metrics.counter("apimon.quota.alerts", "threshold", Integer.toString(a.thresholdPercent()), "result", "sent").increment();
                    acknowledged(a);
                    return;
                }
                metrics.counter("apimon.quota.alerts", "threshold", Integer.toString(a.thresholdPercent()), "result", "failed").increment();
                LOG.warnf("quota alert %s not published (%s); it stays pending and is re-sent", a.eventId(), ex.toString());
            });
        }
    }

    /** Takes the alert out of the pending set (if Redis is unreachable now, the sweeper sends it again: at least once). */
    private void acknowledged(QuotaAlert a) {
        redis.send(Request.cmd(Command.ZREM).arg(CounterKeys.PENDING_ALERTS).arg(a.pendingMember())).subscribe().with(x -> { }, x -> { });
    }

    static Map<String, Object> payload(QuotaAlert a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("customer_id", a.customerId());
        m.put("kind", "quota");
        m.put("meter", a.meter());
        m.put("threshold_percent", a.thresholdPercent());
        m.put("used", a.used());
        m.put("limit", a.limit());
        m.put("period_start", DateTimeFormatter.ISO_INSTANT.format(a.periodStart()));
        m.put("at", DateTimeFormatter.ISO_INSTANT.format(a.at()));
        return m;
    }
}
