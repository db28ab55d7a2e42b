package dev.apimon.rating.catalog.domain;

import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.outbox.Outbox;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.rating.catalog.store.CatalogStore;
import dev.apimon.rating.pricing.PlanValidator;
import dev.apimon.rating.pricing.PlanVersion;
import dev.apimon.rating.pricing.Violation;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Plan lifecycle draft → published → archived. Published versions never change (409); a change is a new version.
 * Publishing and archiving put the version on the compacted {@code billing.catalog} topic in the same transaction.
 */
@Singleton
public class CatalogService {
    public static final String TOPIC = "billing.catalog";

    private final AgroalDataSource db;
    private final CatalogStore store;
    private final Outbox outbox;
    private final Clock clock;
    private final PlanValidator validator = new PlanValidator();

    public CatalogService(AgroalDataSource db, CatalogStore store, Outbox outbox, Clock clock) {
        this.db = db;
        this.store = store;
        this.outbox = outbox;
        this.clock = clock;
    }

    public CatalogEntry createDraft(PlanVersion input) throws SQLException {
        validate(withVersion(input, 1, CatalogEntry.DRAFT));
        CatalogEntry[] created = new CatalogEntry[1];
        Transactions.run(db, c -> {
            int version = store.nextVersion(c, input.code());
            CatalogEntry e = new CatalogEntry(withVersion(input, version, CatalogEntry.DRAFT), CatalogEntry.DRAFT, clock.instant(), null);
            store.insert(c, e);
            created[0] = e;
        });
        return created[0];
    }

    public CatalogEntry updateDraft(String code, int version, PlanVersion input) throws SQLException {
        if (input.code() != null && !input.code().equals(code)) {
            throw ProblemException.invalid("code", "must be '" + code + "' (the plan in the path)");
        }
        PlanVersion doc = withVersion(new PlanVersion(code, version, input.name(), CatalogEntry.DRAFT, input.currency(), input.interval(),
                input.fee(), input.minimumCommitment(), input.creditGrant(), input.rateLimits(), input.quotas(),
                input.entitlements(), input.charges()), version, CatalogEntry.DRAFT);
        validate(doc);
        CatalogEntry[] out = new CatalogEntry[1];
        Transactions.run(db, c -> {
            CatalogEntry e = store.find(c, code, version, true).orElseThrow(() -> ProblemException.notFound("plan version", code + ":" + version));
            requireDraft(e);
            store.updateDocument(c, doc);
            out[0] = new CatalogEntry(doc, CatalogEntry.DRAFT, e.createdAt(), null);
        });
        return out[0];
    }

    public CatalogEntry publish(String code, int version) throws SQLException {
        CatalogEntry[] out = new CatalogEntry[1];
        Transactions.run(db, c -> {
            CatalogEntry e = store.find(c, code, version, true).orElseThrow(() -> ProblemException.notFound("plan version", code + ":" + version));
            if (CatalogEntry.PUBLISHED.equals(e.status())) {
                out[0] = e; // publishing twice is a no-op: the version is already out and unchanged
                return;
            }
            requireDraft(e);
            validate(e.plan());
            Instant now = clock.instant();
            PlanVersion doc = withVersion(e.plan(), version, CatalogEntry.PUBLISHED);
            store.setStatus(c, code, version, CatalogEntry.PUBLISHED, doc, now);
            outbox.append(c, TOPIC, code + ":" + version, "com.apimon.plan.published", code + ":" + version, doc);
            out[0] = new CatalogEntry(doc, CatalogEntry.PUBLISHED, e.createdAt(), now);
        });
        outbox.flushSoon();
        return out[0];
    }

    public CatalogEntry archive(String code, int version) throws SQLException {
        CatalogEntry[] out = new CatalogEntry[1];
        Transactions.run(db, c -> {
            CatalogEntry e = store.find(c, code, version, true).orElseThrow(() -> ProblemException.notFound("plan version", code + ":" + version));
            if (!CatalogEntry.PUBLISHED.equals(e.status())) {
                throw ProblemException.conflict("PLAN_NOT_PUBLISHED", "only a published version can be archived; " + code + ":" + version + " is " + e.status());
            }
            PlanVersion doc = withVersion(e.plan(), version, CatalogEntry.ARCHIVED);
            store.setStatus(c, code, version, CatalogEntry.ARCHIVED, doc, null);
            outbox.append(c, TOPIC, code + ":" + version, "com.apimon.plan.archived", code + ":" + version, doc);
            out[0] = new CatalogEntry(doc, CatalogEntry.ARCHIVED, e.createdAt(), e.publishedAt());
        });
        outbox.flushSoon();
        return out[0];
    }

    public Optional<CatalogEntry> find(String code, int version) throws SQLException {
        try (Connection c = db.getConnection()) {
            return store.find(c, code, version, false);
        }
    }

    public Optional<CatalogEntry> latestPublished(String code) throws SQLException {
        try (Connection c = db.getConnection()) {
            return store.latestPublished(c, code);
        }
    }

    public List<CatalogEntry> page(String code, String status, String afterCode, int afterVersion, int limit) throws SQLException {
        try (Connection c = db.getConnection()) {
            return store.page(c, code, status, afterCode, afterVersion, limit);
        }
    }

    private static void requireDraft(CatalogEntry e) {
        if (!CatalogEntry.DRAFT.equals(e.status())) {
            throw ProblemException.conflict("PLAN_VERSION_IMMUTABLE", "plan " + e.plan().code() + " version " + e.plan().version()
                    + " is " + e.status() + " and cannot change; create a new version with POST /v1/plans");
        }
    }

    public void validate(PlanVersion p) {
        List<Violation> violations = validator.validate(p);
        if (!violations.isEmpty()) {
            throw ProblemException.invalid(violations.stream().map(v -> new FieldError(v.field(), v.message())).toList());
        }
    }

    private static PlanVersion withVersion(PlanVersion p, int version, String status) {
        return new PlanVersion(p.code(), version, p.name(), status, p.currency(), p.interval(), p.fee(), p.minimumCommitment(),
                p.creditGrant(), p.rateLimits(), p.quotas(), p.entitlements(), p.charges());
    }
}
