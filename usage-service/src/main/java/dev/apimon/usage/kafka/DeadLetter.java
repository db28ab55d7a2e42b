package dev.apimon.usage.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A record that cannot be processed, with the reason; it goes to the dead-letter topic and the consumer moves on. */
public record DeadLetter(ConsumerRecord<String, byte[]> record, String reason) {
}
