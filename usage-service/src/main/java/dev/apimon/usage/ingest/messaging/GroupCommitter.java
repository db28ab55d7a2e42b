package dev.apimon.usage.ingest.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Group commit: the items of requests that arrive while a commit is running are committed together in the next
 * one, by one of a few committer threads. Each submitter is answered with its group's outcome, so a request is
 * always wholly inside one commit: all of it is committed, or none of it (the whole group failed).
 * <p>
 * Why: a Kafka transaction costs the broker several log appends and a marker per partition however many records
 * it holds; one transaction per ingest request made transactions most of the broker's work. No linger: an idle
 * service commits a lone request at once, and groups form only while commits are already running.
 */
public final class GroupCommitter<E> implements AutoCloseable {
    /** One committer's unit of work; runs on that committer's thread only (it may keep per-thread resources). */
    public interface Committer<E> {
        void commit(List<E> items) throws Exception;
    }

    private record Pending<E>(List<E> items, CompletableFuture<Void> done) {
    }

    private final BlockingQueue<Pending<E>> queue = new LinkedBlockingQueue<>();
    private final int maxItems;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param committers one thread each
     * @param maxItems a group takes further requests while it holds fewer items than this (so it may exceed it by
     *                 one request)
     */
    public GroupCommitter(String name, List<? extends Committer<E>> committers, int maxItems) {
        if (committers.isEmpty() || maxItems < 1) {
            throw new IllegalArgumentException("needs at least one committer and maxItems >= 1");
        }
        this.maxItems = maxItems;
        for (int i = 0; i < committers.size(); i++) {
            Committer<E> c = committers.get(i);
            Thread t = new Thread(() -> run(c), name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /**
     * Commits the items with whatever else is waiting; returns once they are committed.
     *
     * @throws ExecutionException the group's commit failed (its cause); nothing of the items was committed
     * @throws TimeoutException no committer took the items within {@code wait}; they were withdrawn and will never
     *                          be committed. Items a committer already took are waited for past {@code wait}: their
     *                          commit may still succeed, and the caller must not answer "not committed" for them
     *                          (a committer bounds its own work).
     */
    public void submit(List<E> items, long wait, TimeUnit unit) throws ExecutionException, TimeoutException, InterruptedException {
        if (closed) {
            throw new ExecutionException(new IllegalStateException("shutting down"));
        }
        Pending<E> p = new Pending<>(items, new CompletableFuture<>());
        queue.add(p);
        try {
            p.done().get(wait, unit);
        } catch (TimeoutException e) {
            if (queue.remove(p)) {
                throw e;
            }
            p.done().get(); // taken by a commit that is still running: its outcome is this request's
        }
    }

    private void run(Committer<E> committer) {
        while (!closed) {
            List<Pending<E>> group;
            try {
                group = nextGroup();
            } catch (InterruptedException e) {
                break;
            }
            if (group.isEmpty()) {
                continue;
            }
            List<E> all = new ArrayList<>();
            for (Pending<E> p : group) {
                all.addAll(p.items());
            }
            try {
                committer.commit(all);
                group.forEach(p -> p.done().complete(null));
            } catch (Throwable t) { // every submitter must be answered, whatever went wrong
                group.forEach(p -> p.done().completeExceptionally(t));
            }
        }
        failPending();
    }

    private List<Pending<E>> nextGroup() throws InterruptedException {
        Pending<E> first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
            return List.of();
        }
        List<Pending<E>> group = new ArrayList<>();
        group.add(first);
        int n = first.items().size();
        Pending<E> next;
        while (n < maxItems && (next = queue.poll()) != null) {
            group.add(next);
            n += next.items().size();
        }
        return group;
    }

    private void failPending() {
        Pending<E> p;
        while ((p = queue.poll()) != null) {
            p.done().completeExceptionally(new IllegalStateException("shutting down"));
        }
    }

    /** Stops the committer threads after their current commit; requests still waiting fail. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        failPending();
    }
}
