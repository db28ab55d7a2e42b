package dev.apimon.quota.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.quota.limits.store.TurnBatcher;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Items submitted in one event-loop turn are flushed together, in order, at the end of that turn, on that loop. */
class TurnBatcherTest {
    final Vertx vertx = Vertx.vertx();
    final List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    final List<Boolean> onEventLoop = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    TurnBatcher<Integer> batcher(int max) {
        return new TurnBatcher<>(vertx, max, b -> {
            onEventLoop.add(Context.isOnEventLoopThread());
            batches.add(List.copyOf(b));
        });
    }

    @Test
    void oneTurnIsOneBatchInOrderAndTheNextTurnAnother() throws Exception {
        TurnBatcher<Integer> b = batcher(64);
        CountDownLatch done = new CountDownLatch(1);
        Context ctx = vertx.getOrCreateContext();
        ctx.runOnContext(v -> {
            for (int i = 0; i < 5; i++) {
                b.submit(i);
            }
            assertTrue(batches.isEmpty(), "nothing is flushed before the turn ends");
            ctx.runOnContext(v2 -> { // a later turn
                b.submit(5);
                ctx.runOnContext(v3 -> ctx.runOnContext(v4 -> done.countDown()));
            });
        });
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of(List.of(0, 1, 2, 3, 4), List.of(5)), batches);
        assertTrue(onEventLoop.stream().allMatch(x -> x), "flushed on the event loop");
    }

    @Test
    void aFullBatchIsFlushedAtOnceAndTheRestAtTheEndOfTheTurn() throws Exception {
        TurnBatcher<Integer> b = batcher(3);
        CountDownLatch done = new CountDownLatch(1);
        Context ctx = vertx.getOrCreateContext();
        ctx.runOnContext(v -> {
            for (int i = 0; i < 7; i++) {
                b.submit(i);
            }
            ctx.runOnContext(v2 -> done.countDown());
        });
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6)), batches);
    }

    @Test
    void submissionsOffTheEventLoopAreFlushedOnOne() throws Exception {
        TurnBatcher<Integer> b = batcher(64);
        b.submit(1); // the test thread is no event loop
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (batches.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(List.of(List.of(1)), batches);
        assertEquals(List.of(true), onEventLoop);
    }
}
