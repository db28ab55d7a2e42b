package dev.apimon.e2e.support;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Watches a topic from "now" on (no consumer group): what the services publish after the tail was opened. */
public final class KafkaTail implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;

    public KafkaTail(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(topic, i.partition())).toList();
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position); // resolve the end offsets now, not at the first poll
    }

    /** The first record (after the tail was opened) that matches, or an assertion error after the timeout. */
    public ConsumerRecord<String, String> await(String what, Duration timeout, Predicate<ConsumerRecord<String, String>> match) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(50))) {
                if (match.test(r)) {
                    return r;
                }
            }
        }
        throw new AssertionError("no record " + what + " within " + timeout);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
