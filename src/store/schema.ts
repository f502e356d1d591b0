/**
 * The SQLite schema, as an ordered list of migrations. A migration is never edited once it has
 * shipped: a change to the schema is a new entry at the end. All times are UTC epoch
 * milliseconds (INTEGER), never local times.
 */

export const MIGRATIONS: readonly string[] = [
  // 1: the whole first schema.
  `
  -- Every input that reached the daemon, once per Stripe event id.
  CREATE TABLE inbox (
    id               INTEGER PRIMARY KEY,
    dedup_key        TEXT NOT NULL UNIQUE,   -- the Stripe event id; for rejects without one, a digest
    stripe_event_id  TEXT,
    type             TEXT,                   -- the Stripe event type
    status           TEXT NOT NULL,          -- pending | ignored | rejected | done | skipped | failed
    reason           TEXT,
    transport        TEXT NOT NULL,          -- kite-http | stripe | socket | file | internal
    kite_id          TEXT,
    kite_source      TEXT,
    kite_seq         INTEGER,
    api_version      TEXT,
    livemode         INTEGER,
    stripe_created   INTEGER,                -- seconds, as Stripe sends it
    object_id        TEXT,
    object_type      TEXT,
    case_id          TEXT,                   -- set by the worker
    raw              BLOB NOT NULL,
    event_json       TEXT,                   -- the normalised Stripe event
    deliveries       INTEGER NOT NULL DEFAULT 1,
    received_at      INTEGER NOT NULL,
    processed_at     INTEGER
  );
  CREATE INDEX inbox_status ON inbox(status, id);
  CREATE INDEX inbox_object ON inbox(object_id);

  -- One failing payment: a PaymentIntent, or an invoice when the payment belongs to one.
  CREATE TABLE cases (
    id                 TEXT PRIMARY KEY,     -- pi_… or in_…
    kind               TEXT NOT NULL,        -- payment_intent | invoice
    payment_intent_id  TEXT,
    invoice_id         TEXT,
    customer_id        TEXT,
    subscription_id    TEXT,
    status             TEXT NOT NULL,        -- open | closed
    close_reason       TEXT,
    amount             INTEGER,              -- minor units of currency
    currency           TEXT,
    livemode           INTEGER NOT NULL DEFAULT 0,
    failure_count      INTEGER NOT NULL DEFAULT 0,
    last_event_created INTEGER,              -- Stripe created (s) of the newest event applied
    facts_json         TEXT NOT NULL DEFAULT '{}',
    opened_at          INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    closed_at          INTEGER
  );
  CREATE INDEX cases_status ON cases(status);
  CREATE INDEX cases_customer ON cases(customer_id);

  -- Other ids that lead to a case: its PaymentIntent, charges, invoice.
  CREATE TABLE case_aliases (
    alias    TEXT PRIMARY KEY,
    case_id  TEXT NOT NULL REFERENCES cases(id)
  );

  -- One row per real payment attempt that failed (keyed by the failed charge).
  CREATE TABLE failures (
    id                    INTEGER PRIMARY KEY,
    case_id               TEXT NOT NULL REFERENCES cases(id),
    attempt_key           TEXT NOT NULL,
    charge_id             TEXT,
    payment_method_id     TEXT,
    card_fingerprint      TEXT,
    card_brand            TEXT,
    code                  TEXT,
    decline_code          TEXT,
    advice_code           TEXT,
    network_advice_code   TEXT,
    network_decline_code  TEXT,
    outcome_type          TEXT,
    outcome_reason        TEXT,
    source                TEXT NOT NULL,     -- webhook | retry
    inbox_id              INTEGER,
    occurred_at           INTEGER NOT NULL,
    recorded_at           INTEGER NOT NULL,
    UNIQUE (case_id, attempt_key)
  );
  CREATE INDEX failures_card ON failures(card_fingerprint, occurred_at);

  -- One row per decision. Columns named after the OpenTelemetry GenAI conventions where one exists.
  CREATE TABLE decisions (
    id                                INTEGER PRIMARY KEY,
    case_id                           TEXT NOT NULL,
    inbox_id                          INTEGER,
    trigger                           TEXT NOT NULL,   -- failure | card_updated | closed | scheduled | …
    created_at                        INTEGER NOT NULL,
    planner                           TEXT NOT NULL,   -- claude | rules
    fallback_reason                   TEXT,
    gen_ai_provider_name              TEXT,
    gen_ai_request_model              TEXT,
    gen_ai_response_model             TEXT,
    gen_ai_response_id                TEXT,
    gen_ai_response_finish_reasons    TEXT,
    gen_ai_usage_input_tokens         INTEGER,
    gen_ai_usage_output_tokens        INTEGER,
    gen_ai_usage_cache_read_input_tokens     INTEGER,
    gen_ai_usage_cache_creation_input_tokens INTEGER,
    latency_ms                        INTEGER,
    prompt_hash                       TEXT,
    policy_hash                       TEXT,
    context_json                      TEXT NOT NULL,
    request_json                      TEXT,
    response_json                     TEXT,
    proposals_json                    TEXT NOT NULL,   -- each proposed action, its verdict and rule
    actions_json                      TEXT NOT NULL,   -- the final actions
    rationale                         TEXT
  );
  CREATE INDEX decisions_case ON decisions(case_id, id);

  -- Work to do at a time: retry, notify, escalate, reply in a thread.
  CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    case_id          TEXT NOT NULL,
    decision_id      INTEGER,
    tool             TEXT NOT NULL,
    args_json        TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    due_at           INTEGER NOT NULL,
    state            TEXT NOT NULL,        -- pending | running | done | failed | canceled | skipped
    attempts         INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_until      INTEGER,
    last_error       TEXT,
    result_json      TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    finished_at      INTEGER
  );
  CREATE INDEX jobs_due ON jobs(state, due_at);
  CREATE INDEX jobs_case ON jobs(case_id);

  -- What each job attempt did (append-only).
  CREATE TABLE job_results (
    id           INTEGER PRIMARY KEY,
    job_id       INTEGER NOT NULL,
    case_id      TEXT NOT NULL,
    at           INTEGER NOT NULL,
    outcome      TEXT NOT NULL,            -- done | skipped | transient_error | permanent_error | …
    detail_json  TEXT
  );
  CREATE INDEX job_results_case ON job_results(case_id, id);

  -- Customer notices, at most one per (case, failure, template).
  CREATE TABLE notices (
    id           INTEGER PRIMARY KEY,
    case_id      TEXT NOT NULL,
    failure_key  TEXT NOT NULL,
    template     TEXT NOT NULL,
    job_id       INTEGER,
    status       TEXT NOT NULL,            -- sending | sent | outbox | no_address
    subject      TEXT,
    body_text    TEXT,
    message_id   TEXT,
    outbox_path  TEXT,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    UNIQUE (case_id, failure_key, template)
  );

  -- One escalation per case (or per incident), with its Slack thread.
  CREATE TABLE escalations (
    id          INTEGER PRIMARY KEY,
    case_id     TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,             -- case | incident | could_not_act
    status      TEXT NOT NULL,             -- pending | posted | stored | undelivered
    channel     TEXT,
    ts          TEXT,
    error       TEXT,
    text        TEXT,
    blocks_json TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );

  -- Small facts the daemon keeps about itself (configuration faults seen, storm state).
  CREATE TABLE meta (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  `,
  // 2: the masked address each notice went to, for audit (never the full address).
  `ALTER TABLE notices ADD COLUMN recipient_masked TEXT;`,
];
