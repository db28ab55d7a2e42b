package dev.apimon.usage.ingest.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class GroupCommitterTest {

    /** Records every commit; blocks the first one until released, so later submissions queue up behind it. */
    static final class RecordingCommitter implements GroupCommitter.Committer<String> {
        final List<List<String>> commits = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch firstStarted = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile String failOn;

        @Override
        public void commit(List<String> items) throws Exception {
            if (firstStarted.getCount() > 0) {
                firstStarted.countDown();
                release.await();
            }
            if (failOn != null && items.contains(failOn)) {
                throw new LogUnavailableException("broker gone", null);
            }
            commits.add(List.copyOf(items));
        }
    }

    @Test
    void requestsArrivingDuringACommitShareTheNextOneAndEachReturnsOnlyOnceCommitted() throws Exception {
        RecordingCommitter c = new RecordingCommitter();
        try (GroupCommitter<String> g = new GroupCommitter<>("t", List.of(c), 100)) {
            List<Future<?>> all = behindABlockedCommit(g, c, List.of("a1", "a2"), threeEach("b", "c", "d", "e"));
            for (Future<?> f : all) {
                f.get(5, TimeUnit.SECONDS);
            }
        }
        assertEquals(2, c.commits.size(), "the four waiting requests should have formed one group: " + c.commits);
        assertEquals(List.of("a1", "a2"), c.commits.get(0));
        assertEquals(12, c.commits.get(1).size());
        for (String r : List.of("b", "c", "d", "e")) { // each request's items stay together and in order
            int i = c.commits.get(1).indexOf(r + "1");
            assertEquals(List.of(r + "1", r + "2", r + "3"), c.commits.get(1).subList(i, i + 3));
        }
    }

    @Test
    void aFailedCommitFailsEveryRequestOfItsGroupAndNoOther() throws Exception {
        RecordingCommitter c = new RecordingCommitter();
        c.failOn = "bad";
        try (GroupCommitter<String> g = new GroupCommitter<>("t", List.of(c), 100)) {
            List<Future<?>> all = behindABlockedCommit(g, c, List.of("ok1"), List.of(List.of("bad"), List.of("x1", "x2")));
            all.get(0).get(5, TimeUnit.SECONDS);
            Future<?> bad = all.get(1);
            Future<?> neighbour = all.get(2);
            ExecutionException badFailure = assertThrows(ExecutionException.class, () -> bad.get(5, TimeUnit.SECONDS));
            ExecutionException neighbourFailure = assertThrows(ExecutionException.class, () -> neighbour.get(5, TimeUnit.SECONDS));
            assertInstanceOf(LogUnavailableException.class, rootOf(badFailure));
            assertInstanceOf(LogUnavailableException.class, rootOf(neighbourFailure));
            // the committer keeps serving after a failure
            submit(g, List.of("later"));
        }
        assertEquals(List.of(List.of("ok1"), List.of("later")), c.commits, "nothing of the failed group was committed");
    }

    @Test
    void aGroupStopsTakingRequestsOnceItHoldsMaxItems() throws Exception {
        RecordingCommitter c = new RecordingCommitter();
        try (GroupCommitter<String> g = new GroupCommitter<>("t", List.of(c), 5)) {
            for (Future<?> f : behindABlockedCommit(g, c, List.of("a"), threeEach("b", "c", "d", "e"))) {
                f.get(5, TimeUnit.SECONDS);
            }
        }
        // 4 requests of 3 after the first: a group takes another request while it holds fewer than 5 → 6 + 6
        assertEquals(3, c.commits.size(), c.commits.toString());
        assertEquals(6, c.commits.get(1).size());
        assertEquals(6, c.commits.get(2).size());
    }

    @Test
    void aTimedOutRequestIsWithdrawnIfNoCommitTookItAndWaitedForIfOneDid() throws Exception {
        RecordingCommitter c = new RecordingCommitter();
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try (GroupCommitter<String> g = new GroupCommitter<>("t", List.of(c), 100)) {
            // "taken" is in the running (held) commit when its wait ends; "queued" is still waiting behind it
            Future<?> taken = pool.submit(() -> {
                g.submit(List.of("taken"), 100, TimeUnit.MILLISECONDS);
                return null;
            });
            assertTrue(c.firstStarted.await(5, TimeUnit.SECONDS));
            assertThrows(TimeoutException.class, () -> g.submit(List.of("queued"), 100, TimeUnit.MILLISECONDS),
                    "no commit took it: the caller may answer 503");
            Thread.sleep(300);
            assertFalse(taken.isDone(), "its commit may still succeed: the caller must not answer 503 for it");
            c.release.countDown();
            taken.get(5, TimeUnit.SECONDS); // committed: returns normally
            submit(g, List.of("after"));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(List.of("taken"), List.of("after")), c.commits, "the withdrawn request was never committed");
    }

    @Test
    void closingFailsWhatIsStillWaiting() throws Exception {
        RecordingCommitter c = new RecordingCommitter();
        GroupCommitter<String> g = new GroupCommitter<>("t", List.of(c), 100);
        g.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> g.submit(List.of("late"), 1, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(c.commits.isEmpty());
    }

    /**
     * Submits {@code first}; once its commit is running (and held there), submits each of {@code later}, checks that
     * none of them has returned while that commit is held, then releases it. Returns the submissions' futures, first
     * one first.
     */
    private static List<Future<?>> behindABlockedCommit(GroupCommitter<String> g, RecordingCommitter c, List<String> first,
                                                        List<List<String>> later) throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> out = new ArrayList<>();
        out.add(pool.submit(() -> submit(g, first)));
        assertTrue(c.firstStarted.await(5, TimeUnit.SECONDS));
        for (List<String> items : later) {
            out.add(pool.submit(() -> submit(g, items)));
        }
        Thread.sleep(300); // all of them are waiting behind the held commit
        for (Future<?> f : out.subList(1, out.size())) {
            assertFalse(f.isDone(), "a request returned before its events were committed");
        }
        c.release.countDown();
        pool.shutdown(); // the submissions still run to their end
        return out;
    }

    private static List<List<String>> threeEach(String... requests) {
        List<List<String>> out = new ArrayList<>();
        for (String r : requests) {
            out.add(List.of(r + "1", r + "2", r + "3"));
        }
        return out;
    }

    private static Void submit(GroupCommitter<String> g, List<String> items) throws ExecutionException, TimeoutException, InterruptedException {
        g.submit(items, 10, TimeUnit.SECONDS);
        return null;
    }

    private static Throwable rootOf(ExecutionException e) {
        Throwable t = e.getCause(); // the Future's wrapper around submit's ExecutionException
        return t instanceof ExecutionException inner ? inner.getCause() : t;
    }
}
