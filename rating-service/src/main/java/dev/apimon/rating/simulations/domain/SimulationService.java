package dev.apimon.rating.simulations.domain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.platform.time.BillingPeriods;
import dev.apimon.rating.catalog.domain.CatalogEntry;
import dev.apimon.rating.catalog.store.CatalogStore;
import dev.apimon.rating.pricing.Charge;
import dev.apimon.rating.pricing.Discount;
import dev.apimon.rating.pricing.PlanVersion;
import dev.apimon.rating.pricing.PricingEngine;
import dev.apimon.rating.simulations.store.SimulationStore;
import io.agroal.api.AgroalDataSource;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs simulations: selects the customers, then per chunk of customers reads their plan history, overrides,
 * discounts and period usage with a handful of set-based queries and prices everything in memory with
 * {@link Simulator}. Small runs answer at once; larger ones run as a job (one at a time, so a big simulation
 * never takes more than one core from live rating) whose progress is stored after every chunk.
 */
@Singleton
public class SimulationService {
    private static final Logger LOG = Logger.getLogger(SimulationService.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BigDecimal NEAR = new BigDecimal("0.10");

    private final AgroalDataSource db;
    private final SimulationStore store;
    private final CatalogStore catalog;
    private final PricingEngine engine;
    private final ObjectMapper json;
    private final Clock clock;
    private final int syncMaxCustomers;
    private final int chunkSize;
    private final ExecutorService jobs = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "simulations");
        t.setDaemon(true);
        return t;
    });

    public SimulationService(AgroalDataSource db, SimulationStore store, CatalogStore catalog, PricingEngine engine, ObjectMapper json,
                             Clock clock,
                             @ConfigProperty(name = "apimon.simulations.sync-max-customers", defaultValue = "200") int syncMaxCustomers,
                             @ConfigProperty(name = "apimon.simulations.chunk-size", defaultValue = "2000") int chunkSize) {
        this.db = db;
        this.store = store;
        this.catalog = catalog;
        this.engine = engine;
        this.json = json;
        this.clock = clock;
        this.syncMaxCustomers = syncMaxCustomers;
        this.chunkSize = chunkSize;
    }

    public record PlanRef(String code, int version) {
    }

    /** What to simulate; customers is exactly one selector, segmentBy the attribute by_segment groups by. */
    public record Request(PlanRef plan, SimulationStore.Selector customers, int periods, String segmentBy) {
    }

    /** The answer of POST and GET; results are present once status is completed. progress is a percentage. */
    public record View(String id, String status, int progress, int processed, int total, PlanRef plan, int periods, String segmentBy,
                       String currency, List<Simulator.CustomerResult> customers, BigDecimal revenueDelta,
                       Map<String, BigDecimal> bySegment, List<Simulator.NearBoundary> nearBoundary, List<Simulator.Skipped> skipped,
                       String error, Instant createdAt, Instant completedAt) {
    }

    /** The nanos arrays collect where the time goes, for the log line of each run. */
    private record Job(String id, Request request, PlanVersion candidate, List<SimulationStore.Subscriber> subscribers,
                       List<String> unknown, Instant now, long[] readNanos, long[] usageNanos, long[] priceNanos) {
        Job(String id, Request request, PlanVersion candidate, List<SimulationStore.Subscriber> subscribers, List<String> unknown, Instant now) {
            this(id, request, candidate, subscribers, unknown, now, new long[1], new long[1], new long[1]);
        }
    }

    @PreDestroy
    void stop() {
        jobs.shutdownNow();
    }

    /** job: whether it runs in the background (answer 202 and poll) rather than having completed already. */
    public record Started(View view, boolean job) {
    }

    /** Starts a simulation: small ones run at once, larger ones as a background job. */
    public Started start(Request r) throws SQLException {
        long selecting = System.nanoTime();
        PlanVersion candidate;
        List<SimulationStore.Subscriber> subscribers;
        try (Connection c = db.getConnection()) {
            candidate = catalog.find(c, r.plan().code(), r.plan().version(), false).map(CatalogEntry::plan)
                    .orElseThrow(() -> ProblemException.invalid("plan", "plan " + r.plan().code() + " has no version " + r.plan().version()));
            subscribers = store.subscribers(c, r.customers(), r.segmentBy());
        }
        List<String> unknown = new ArrayList<>();
        if (r.customers().customerIds() != null) {
            Set<String> found = new HashSet<>();
            subscribers.forEach(s -> found.add(s.customerId()));
            r.customers().customerIds().stream().distinct().filter(id -> !found.contains(id)).forEach(unknown::add);
        }
        Instant now = clock.instant();
        Job job = new Job(newId(), r, candidate, subscribers, unknown, now);
        job.readNanos()[0] = System.nanoTime() - selecting;
        try (Connection c = db.getConnection()) {
            store.insertJob(c, job.id(), write(r), subscribers.size(), now);
        }
        boolean background = subscribers.size() > syncMaxCustomers;
        if (background) {
            jobs.submit(() -> run(job));
        } else {
            run(job);
        }
        return new Started(find(job.id()).orElseThrow(), background);
    }

    /**
     * The view as JSON: a completed run's stored answer as it is (a 10,000-customer result is over a megabyte, not worth
     * parsing and writing again), a running or failed one's progress.
     */
    public Optional<String> findJson(String id) throws SQLException {
        Optional<SimulationStore.Job> job;
        try (Connection c = db.getConnection()) {
            job = store.job(c, id);
        }
        if (job.isPresent() && job.get().result() != null) {
            return Optional.of(job.get().result());
        }
        return find(id).map(this::write);
    }

    public Optional<View> find(String id) throws SQLException {
        Optional<SimulationStore.Job> job;
        try (Connection c = db.getConnection()) {
            job = store.job(c, id);
        }
        if (job.isEmpty()) {
            return Optional.empty();
        }
        SimulationStore.Job j = job.get();
        if (j.result() != null) {
            return Optional.of(read(j.result(), View.class));
        }
        Request r = read(j.request(), Request.class);
        int progress = j.total() == 0 ? 0 : (int) (100L * j.processed() / j.total());
        return Optional.of(new View(j.id(), j.status(), progress, j.processed(), j.total(), r.plan(), r.periods(), r.segmentBy(), null,
                null, null, null, null, null, j.error(), j.createdAt(), j.completedAt()));
    }

    private void run(Job job) {
        long started = System.nanoTime();
        try {
            Simulator.Outcome outcome = simulate(job);
            Instant done = clock.instant();
            Request r = job.request();
            View view = new View(job.id(), "completed", 100, job.subscribers().size(), job.subscribers().size(), r.plan(), r.periods(),
                    r.segmentBy(), outcome.currency(), outcome.customers(), outcome.revenueDelta(), outcome.bySegment(),
                    outcome.nearBoundary(), outcome.skipped(), null, job.now(), done);
            try (Connection c = db.getConnection()) {
                store.finish(c, job.id(), "completed", write(view), null, done);
            }
            LOG.infof("simulation %s: %d customers in %d ms after selecting them (reading %d ms, of which usage %d ms; pricing %d ms)",
                    job.id(), job.subscribers().size(), (System.nanoTime() - started) / 1_000_000, job.readNanos[0] / 1_000_000,
                    job.usageNanos[0] / 1_000_000, job.priceNanos[0] / 1_000_000);
        } catch (Exception e) {
            LOG.errorf(e, "simulation %s failed", job.id());
            try (Connection c = db.getConnection()) {
                store.finish(c, job.id(), "failed", null, e.getClass().getSimpleName() + ": " + e.getMessage(), clock.instant());
            } catch (SQLException ignored) {
                // the database is gone as well; the job stays "running" and its error is in the log
            }
        }
    }

    private Simulator.Outcome simulate(Job job) throws SQLException {
        Simulator.Tally tally = new Simulator(engine, job.candidate(), NEAR).tally();
        job.unknown().forEach(id -> tally.skip(id, "no subscription known to rating-service"));
        Map<String, Optional<PlanVersion>> plans = new HashMap<>();
        List<SimulationStore.Subscriber> all = job.subscribers();
        for (int from = 0; from < all.size(); from += chunkSize) {
            List<SimulationStore.Subscriber> chunk = all.subList(from, Math.min(all.size(), from + chunkSize));
            try (Connection c = db.getConnection()) {
                c.setAutoCommit(false);
                c.setReadOnly(true);
                try (var st = c.createStatement()) {
                    st.execute("SET LOCAL work_mem = '64MB'"); // a chunk's aggregation sorts in memory, not on disk
                }
                try {
                    simulateChunk(c, job, chunk, plans, tally);
                } finally {
                    c.rollback();
                    c.setReadOnly(false);
                    c.setAutoCommit(true);
                }
                store.progress(c, job.id(), from + chunk.size());
            }
        }
        return tally.outcome();
    }

    /** A customer's closed periods with the plan in effect at each period's end; canceled periods are left out. */
    private record Pending(SimulationStore.Subscriber sub, List<BillingPeriods.Period> periods, List<PlanVersion> plans, String skip) {
    }

    private void simulateChunk(Connection c, Job job, List<SimulationStore.Subscriber> chunk, Map<String, Optional<PlanVersion>> plans,
                               Simulator.Tally tally) throws SQLException {
        long t0 = System.nanoTime();
        List<String> ids = chunk.stream().map(SimulationStore.Subscriber::customerId).toList();
        Map<String, List<Timeline.PlanAt>> histories = store.histories(c, ids);
        Map<String, Map<String, Charge>> overrides = store.overrides(c, ids);
        Map<String, List<SimulationStore.CouponUse>> discounts = store.discounts(c, ids);

        List<Pending> pending = new ArrayList<>();
        List<SimulationStore.PeriodKey> keys = new ArrayList<>();
        for (SimulationStore.Subscriber s : chunk) {
            List<Timeline.PlanAt> history = histories.getOrDefault(s.customerId(), List.of());
            Timeline.PlanAt current = new Timeline.PlanAt(s.anchor(), s.planCode(), s.planVersion(), s.status());
            Optional<PlanVersion> planNow = plan(c, plans, Timeline.at(history, current, job.now()));
            if (planNow.isEmpty()) {
                pending.add(new Pending(s, List.of(), List.of(), "its plan is not in the catalog"));
                continue;
            }
            List<BillingPeriods.Period> periods = new ArrayList<>();
            List<PlanVersion> actual = new ArrayList<>();
            String skip = null;
            for (BillingPeriods.Period p : Timeline.lastClosed(s.anchor(), planNow.get().interval(), job.now(), job.request().periods())) {
                Timeline.PlanAt had = Timeline.at(history, current, p.end().minusMillis(1));
                if ("canceled".equals(had.status())) {
                    continue;
                }
                Optional<PlanVersion> plan = plan(c, plans, had);
                if (plan.isEmpty()) {
                    skip = "plan " + had.planCode() + ":" + had.planVersion() + " is not in the catalog";
                    break;
                }
                periods.add(p);
                actual.add(plan.get());
                keys.add(new SimulationStore.PeriodKey(s.customerId(), p.start(), p.end(), Timeline.rollup(s.rollupAnchor(), s.anchor())));
            }
            pending.add(new Pending(s, periods, actual, skip));
        }

        long t1 = System.nanoTime();
        List<Map<String, BigDecimal>> usage = store.periodUsage(c, keys, pricedMeters(job.candidate(), pending));
        long t2 = System.nanoTime();
        job.usageNanos()[0] += t2 - t1;
        job.readNanos()[0] += t2 - t0;
        int k = 0;
        for (Pending p : pending) {
            String id = p.sub().customerId();
            if (p.skip() != null) {
                k += p.periods().size();
                tally.skip(id, p.skip());
                continue;
            }
            List<Simulator.Period> periods = new ArrayList<>();
            for (int i = 0; i < p.periods().size(); i++) {
                BillingPeriods.Period bp = p.periods().get(i);
                Instant pricedAt = bp.end().minusMillis(1);
                List<Discount> active = discounts.getOrDefault(id, List.of()).stream()
                        .filter(d -> !d.startsAt().isAfter(pricedAt) && (d.endsAt() == null || d.endsAt().isAfter(pricedAt)))
                        .map(d -> new Discount(d.code(), d.percent(), d.amount())).toList();
                periods.add(new Simulator.Period(bp.start(), bp.end(), p.plans().get(i), usage.get(k++), active));
            }
            tally.add(new Simulator.CustomerInput(id, p.sub().segment(), overrides.getOrDefault(id, Map.of()), periods));
        }
        job.priceNanos()[0] += System.nanoTime() - t2;
    }

    /**
     * The meters whose usage can change a total or a near-boundary flag: those the candidate and the plans customers had
     * charge for, and the candidate's quotas. (An override only replaces a plan's charge, it adds no meter.) Reading only
     * these keeps the usage queries on the (customer, meter, time) index.
     */
    static Set<String> pricedMeters(PlanVersion candidate, List<Pending> pending) {
        Set<String> meters = new HashSet<>();
        addMeters(candidate, meters);
        if (candidate.quotas() != null) {
            candidate.quotas().forEach(q -> meters.add(q.meter()));
        }
        pending.forEach(p -> p.plans().forEach(plan -> addMeters(plan, meters)));
        meters.remove(null);
        return meters;
    }

    private static void addMeters(PlanVersion plan, Set<String> meters) {
        if (plan.charges() != null) {
            plan.charges().forEach(c -> meters.add(c.meter()));
        }
    }

    private Optional<PlanVersion> plan(Connection c, Map<String, Optional<PlanVersion>> cache, Timeline.PlanAt at) throws SQLException {
        String key = at.planCode() + ":" + at.planVersion();
        Optional<PlanVersion> p = cache.get(key);
        if (p == null) {
            p = catalog.find(c, at.planCode(), at.planVersion(), false).map(CatalogEntry::plan);
            cache.put(key, p);
        }
        return p;
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T read(String s, Class<T> type) {
        try {
            return json.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String newId() {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder("sim_");
        for (int i = 0; i < 20; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
