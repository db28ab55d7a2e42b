package dev.apimon.quota.limits.store;

import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Collects the items submitted on one event loop during one turn and hands them over together at the end of that
 * turn, on the same event loop (no thread hop, no lock). Netty runs the tasks queued during a turn after it has
 * processed all the I/O the turn woke up for, so every request read in the same turn lands in the same batch; a
 * lone request waits only for the rest of its own turn. At most {@code maxBatch} items per batch.
 */
public final class TurnBatcher<T> {
    private final int maxBatch;
    private final Consumer<List<T>> flush;
    private final Vertx vertx;
    private final FastThreadLocal<Queue> queues = new FastThreadLocal<>();
    private volatile Context offLoop;

    public TurnBatcher(Vertx vertx, int maxBatch, Consumer<List<T>> flush) {
        this.vertx = vertx;
        this.maxBatch = Math.max(1, maxBatch);
        this.flush = flush;
    }

    public void submit(T item) {
        ContextInternal ctx = Context.isOnEventLoopThread() ? ContextInternal.current() : null;
        if (ctx == null || !ctx.isEventLoopContext()) {
            // not on an event loop (a worker thread, a test): queue it on one
            offLoop().runOnContext(v -> submit(item));
            return;
        }
        Queue q = queues.get();
        if (q == null) {
            q = new Queue(ctx.unwrap());
            queues.set(q);
        }
        q.add(item);
    }

    private Context offLoop() {
        Context c = offLoop;
        if (c == null) {
            c = ((VertxInternal) vertx).createEventLoopContext();
            offLoop = c;
        }
        return c;
    }

    /** The items of one event loop; only ever touched from that event loop's thread. */
    private final class Queue {
        private final Context loop;
        private final io.vertx.core.Handler<Void> task = v -> run();
        private List<T> items = new ArrayList<>();
        private boolean scheduled;

        Queue(Context loop) {
            this.loop = loop;
        }

        void add(T item) {
            items.add(item);
            if (items.size() >= maxBatch) {
                run();
            } else if (!scheduled) {
                scheduled = true;
                // a task on this event loop: runs after this turn's I/O, on this thread, with the loop's context
                // current (so timers and connections opened by the flush stay on this event loop)
                loop.runOnContext(task);
            }
        }

        void run() {
            scheduled = false;
            if (items.isEmpty()) {
                return;
            }
            List<T> batch = items;
            items = new ArrayList<>();
            flush.accept(batch);
        }
    }
}
