package dev.apimon.portal.support;

import dev.apimon.testinfra.KafkaResource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/** Publishes billing.spend / customers.events snapshots to the test broker, as rating-service and key-service do. */
public final class SpendEvents {
    private SpendEvents() {
    }

    public static String spend(String customer, String total, String used) {
        return """
                {"customer_id":"%s","plan":{"code":"pro","version":1},"period_start":"2026-11-01T00:00:00Z",
                 "period_end":"2026-12-01T00:00:00Z","currency":"USD",
                 "lines":[{"type":"fee","description":"Pro monthly fee","amount":"49.00"},
                          {"type":"usage","description":"api_calls usage","meter":"api_calls","quantity":"%s","amount":"1.00"}],
                 "subtotal":"%s","discount":"0.00","minimum_commitment_true_up":"0.00","credits_applied":"0.00","total":"%s",
                 "credits_remaining":"10.00","forecast":"%s",
                 "quotas":[{"meter":"api_calls","limit":50000,"used":"%s","remaining":"0","enforcement":"hard","percent_used":"0"}],
                 "updated_at":"2026-11-21T10:00:00Z"}""".formatted(customer, used, total, total, total, used);
    }

    public static void publish(String topic, String key, String type, String json) throws Exception {
        publishAll(topic, key, type, List.of(json));
    }

    /** Several records back to back from one producer (one batch: the consumer gets them in one poll). */
    public static void publishAll(String topic, String key, String type, List<String> jsons) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (String json : jsons) {
                ProducerRecord<String, String> r = new ProducerRecord<>(topic, key, json);
                r.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
                r.headers().add("ce_id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
                r.headers().add("ce_type", type.getBytes(StandardCharsets.UTF_8));
                r.headers().add("ce_source", "test".getBytes(StandardCharsets.UTF_8));
                r.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
                sent.add(producer.send(r));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        }
    }
}
