package dev.apimon.key.messaging;

/** A record that does not fit the event contract: it goes to the dead-letter topic, the consumer moves on. */
public class PoisonMessage extends RuntimeException {
    public PoisonMessage(String message) {
        super(message);
    }
}
