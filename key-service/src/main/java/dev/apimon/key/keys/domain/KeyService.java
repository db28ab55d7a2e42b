package dev.apimon.key.keys.domain;

import dev.apimon.key.catalog.domain.CatalogPlan;
import dev.apimon.key.catalog.store.CatalogStore;
import dev.apimon.key.customers.domain.Customer;
import dev.apimon.key.customers.store.CustomerStore;
import dev.apimon.key.keys.store.KeyStore;
import dev.apimon.key.subscriptions.domain.Subscription;
import dev.apimon.key.subscriptions.store.SubscriptionStore;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.keys.ApiKeys;
import dev.apimon.platform.outbox.Outbox;
import dev.apimon.platform.problem.ProblemException;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Issues, rotates and revokes keys. Each change, its audit entry and the customer's new {@code keys.events}
 * snapshot commit in one transaction.
 */
@Singleton
public class KeyService {
    public static final String TOPIC = "keys.events";
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(KeyService.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AgroalDataSource db;
    private final KeyStore keys;
    private final CustomerStore customers;
    private final Outbox outbox;
    private final Clock clock;
    private final KeyConfig config;
    private final SubscriptionStore subscriptions;
    private final CatalogStore catalog;

    public KeyService(AgroalDataSource db, KeyStore keys, CustomerStore customers, Outbox outbox, Clock clock, KeyConfig config,
                      SubscriptionStore subscriptions, CatalogStore catalog) {
        this.db = db;
        this.keys = keys;
        this.customers = customers;
        this.outbox = outbox;
        this.clock = clock;
        this.config = config;
        this.subscriptions = subscriptions;
        this.catalog = catalog;
    }

    public record Actor(String name, String ip) {
    }

    public KeyView create(String customerId, NewKey in, Actor actor) throws SQLException {
        Instant now = clock.instant();
        String plaintext = ApiKeys.generate(in.env());
        ApiKey key = new ApiKey(newId(), customerId, in.name(), in.env(), ApiKeys.hash(plaintext, config.pepper()),
                ApiKeys.start(plaintext), in.scopes(), in.metadata(), in.expiresAt(), null, null, now);
        inTransaction(c -> {
            Customer customer = customers.findLocked(c, customerId, false).orElseThrow(() -> ProblemException.notFound("customer", customerId));
            if (customer.archived()) {
                throw ProblemException.conflict("CUSTOMER_ARCHIVED", "customer " + customerId + " is archived; it gets no new keys");
            }
            requireScopesWithinPlan(c, customerId, in.scopes());
            keys.insert(c, key);
            keys.audit(c, customerId, key.id(), "created", actor.name(), actor.ip(),
                    details("name", key.name(), "env", key.env(), "scopes", key.scopes()), now);
            publish(c, customerId, "com.apimon.key.created");
        });
        // never the key: its id and the public start only
        LOG.infof("key %s (%s, %s...) issued for %s by %s", key.id(), key.env(), key.start(), customerId, actor.name());
        return KeyView.of(key, now, plaintext);
    }

    public KeyView rotate(String keyId, Duration grace, Actor actor, java.util.function.Consumer<String> authorize) throws SQLException {
        Instant now = clock.instant();
        ApiKey[] created = new ApiKey[1];
        String[] text = new String[1];
        inTransaction(c -> {
            ApiKey old = keys.findForUpdate(c, keyId).orElseThrow(() -> ProblemException.notFound("key", keyId));
            authorize.accept(old.customerId());
            if (!"active".equals(old.status(now))) {
                throw ProblemException.conflict("KEY_NOT_ACTIVE", "key " + keyId + " is " + old.status(now) + " and cannot be rotated");
            }
            String newText = ApiKeys.generate(old.env());
            ApiKey fresh = new ApiKey(newId(), old.customerId(), old.name(), old.env(), ApiKeys.hash(newText, config.pepper()),
                    ApiKeys.start(newText), old.scopes(), old.metadata(), old.expiresAt(), null, null, now);
            keys.insert(c, fresh);
            Instant graceEnd = now.plus(grace);
            Instant oldExpiry = old.expiresAt() != null && old.expiresAt().isBefore(graceEnd) ? old.expiresAt() : graceEnd;
            keys.markRotated(c, old.id(), fresh.id(), oldExpiry);
            keys.audit(c, old.customerId(), old.id(), "rotated", actor.name(), actor.ip(),
                    details("new_key_id", fresh.id(), "grace_period", grace.toString(), "old_key_expires_at", oldExpiry.toString()), now);
            keys.audit(c, old.customerId(), fresh.id(), "created", actor.name(), actor.ip(),
                    details("rotated_from", old.id()), now);
            publish(c, old.customerId(), "com.apimon.key.rotated");
            created[0] = fresh;
            text[0] = newText;
        });
        LOG.infof("key %s rotated to %s (%s...) by %s, grace %s", keyId, created[0].id(), created[0].start(), actor.name(), grace);
        return KeyView.of(created[0], now, text[0]);
    }

    public KeyView revoke(String keyId, Actor actor, java.util.function.Consumer<String> authorize) throws SQLException {
        Instant now = clock.instant();
        ApiKey[] result = new ApiKey[1];
        inTransaction(c -> {
            ApiKey k = keys.findForUpdate(c, keyId).orElseThrow(() -> ProblemException.notFound("key", keyId));
            authorize.accept(k.customerId());
            if (k.revokedAt() == null) {
                keys.revoke(c, keyId, now);
                keys.audit(c, k.customerId(), keyId, "revoked", actor.name(), actor.ip(), Map.of(), now);
                publish(c, k.customerId(), "com.apimon.key.revoked");
            }
            result[0] = keys.find(c, keyId).orElseThrow();
        });
        LOG.infof("key %s revoked by %s", keyId, actor.name());
        return KeyView.of(result[0], now, null);
    }

    /**
     * Scopes narrow what a key may do; they can never exceed the customer's current plan. Without a live
     * subscription there is nothing to compare with yet (quota-service refuses such keys anyway).
     */
    private void requireScopesWithinPlan(Connection c, String customerId, List<String> scopes) throws SQLException {
        if (scopes.isEmpty()) {
            return;
        }
        Optional<Subscription> sub = subscriptions.find(c, customerId, false).filter(s -> !s.canceled());
        if (sub.isEmpty()) {
            return;
        }
        var ref = sub.get().plan();
        Optional<CatalogPlan> plan = catalog.find(c, ref.code(), ref.version());
        if (plan.isEmpty()) {
            throw ProblemException.invalid("scopes", "the entitlements of plan " + ref.key() + " are not known yet (billing.catalog)");
        }
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < scopes.size(); i++) {
            final int index = i;
            ScopeCoverage.check(scopes.get(i), plan.get().entitlements()).ifPresent(problem -> errors.add(
                    new FieldError("scopes[" + index + "]", problem.replace("the plan's", "plan " + ref.key() + "'s"))));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }

    /**
     * Customer archived: every key still usable is revoked (audited, one keys.events snapshot), in the caller's
     * transaction, so quota-service answers REVOKED within a second.
     */
    public int revokeAll(Connection c, String customerId, Actor actor, Instant now, String reason) throws SQLException {
        int revoked = 0;
        for (ApiKey k : keys.forCustomer(c, customerId, null, Integer.MAX_VALUE)) {
            if (k.revokedAt() == null) {
                keys.revoke(c, k.id(), now);
                keys.audit(c, customerId, k.id(), "revoked", actor.name(), actor.ip(), details("reason", reason), now);
                revoked++;
            }
        }
        if (revoked > 0) {
            publish(c, customerId, "com.apimon.key.revoked");
        }
        return revoked;
    }

    public ApiKey get(String keyId) throws SQLException {
        try (Connection c = db.getConnection()) {
            return keys.find(c, keyId).orElseThrow(() -> ProblemException.notFound("key", keyId));
        }
    }

    public List<KeyView> list(String customerId, String after, int limit) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = db.getConnection()) {
            return keys.forCustomer(c, customerId, after, limit).stream().map(k -> KeyView.of(k, now, null)).toList();
        }
    }

    public List<AuditEntry> audit(String customerId, long afterSeq, int limit) throws SQLException {
        try (Connection c = db.getConnection()) {
            return keys.auditPage(c, customerId, afterSeq, limit);
        }
    }

    private void publish(Connection c, String customerId, String type) throws SQLException {
        List<KeysSnapshot.Entry> entries = keys.forCustomer(c, customerId, null, Integer.MAX_VALUE).stream()
                .map(k -> new KeysSnapshot.Entry(k.id(), k.keyHash(), k.start(), k.env(), k.scopes(), k.expiresAt(), k.revokedAt()))
                .toList();
        outbox.append(c, TOPIC, customerId, type, customerId, new KeysSnapshot(customerId, entries));
    }

    private void inTransaction(Transactions.Work work) throws SQLException {
        Transactions.run(db, work);
        outbox.flushSoon();
    }

    private static Map<String, Object> details(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String newId() {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder("key_");
        for (int i = 0; i < 20; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
