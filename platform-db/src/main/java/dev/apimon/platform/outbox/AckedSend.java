package dev.apimon.platform.outbox;

import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/** Sends through a SmallRye emitter and tells when Kafka acknowledged the record (or refused it). */
public final class AckedSend {
    private AckedSend() {
    }

    public static CompletableFuture<Void> send(Emitter<String> emitter, String payload, Metadata metadata) {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        emitter.send(Message.of(payload, metadata,
                () -> {
                    ack.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                failure -> {
                    ack.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        return ack;
    }
}
