-- A plan's credit_grant is granted once per subscription billing period: (customer, period start) is its key, so a
-- replayed event, a redelivery, a second replica or a restart inserts nothing. NULL for admin grants and top-ups
-- (NULLs are distinct, so they never collide).
ALTER TABLE credit_sources ADD COLUMN period_start TIMESTAMPTZ;
CREATE UNIQUE INDEX credit_sources_period_grant ON credit_sources (customer_id, period_start);

-- The end of the period of the customer's last billing.spend snapshot: the rollover tick refreshes (and grants) every
-- subscription whose period has ended since, so a period without usage still opens.
ALTER TABLE rating_subscriptions ADD COLUMN spend_period_end TIMESTAMPTZ;
CREATE INDEX rating_subscriptions_rollover ON rating_subscriptions ((COALESCE(spend_period_end, period_anchor)))
    WHERE status <> 'canceled';

-- Every consumption (invoice finalization), also one that found nothing to burn: a reversal can tell "consumed
-- nothing" (200, zero) from "never consumed" (404), and reversed_at makes the reversal once per reference.
CREATE TABLE credit_consumptions (
    customer_id TEXT            NOT NULL,
    reference   TEXT            NOT NULL,
    currency    CHAR(3)         NOT NULL,
    requested   NUMERIC(30, 10) NOT NULL,
    consumed    NUMERIC(30, 10) NOT NULL,
    consumed_at TIMESTAMPTZ     NOT NULL,
    reversed_at TIMESTAMPTZ,
    PRIMARY KEY (customer_id, reference)
);
-- consumptions made before this table existed (those that burnt nothing left no trace and stay unknown)
INSERT INTO credit_consumptions (customer_id, reference, currency, requested, consumed, consumed_at)
SELECT l.customer_id, l.reference, min(s.currency), -sum(l.delta), -sum(l.delta), min(l.at)
FROM credit_ledger l JOIN credit_sources s ON s.id = l.source_id
WHERE l.reason = 'consumed' AND l.reference IS NOT NULL
GROUP BY l.customer_id, l.reference;

CREATE INDEX credit_ledger_reference ON credit_ledger (customer_id, reference) WHERE reference IS NOT NULL;
