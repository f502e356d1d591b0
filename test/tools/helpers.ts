/**
 * Shared set-up for the tools tests: an in-memory (or file) database, a configuration, a manual
 * clock, metrics, a logger that keeps its lines, and small writers for the rows the agent
 * would normally write (a case, a failure, a job).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { manualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import type { Logger } from '../../src/log.ts';
import { REDACTED_PATHS } from '../../src/log.ts';
import { makeMetrics } from '../../src/metrics.ts';
import type { CaseFacts } from '../../src/store/case-facts.ts';
import { type Db, openDatabase } from '../../src/store/db.ts';
import { insertJob } from '../../src/store/jobs.ts';
import type { JobTool } from '../../src/tools/schemas.ts';

export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export type LogLine = { level: number; msg: string } & Record<string, unknown>;

/** A pino logger (with the real redaction) whose lines the test can read. */
export function memoryLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  return {
    log: pino({ level: 'debug', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream),
    lines,
  };
}

export function tempDir(prefix = 'billing-agent-tools-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh world for one test. */
export function world(env: Record<string, string> = {}, dbPath = ':memory:') {
  const dir = tempDir();
  const db = openDatabase(dbPath);
  const config = loadConfig({}, { OUTBOX_DIR: join(dir, 'outbox'), MERCHANT_NAME: 'Acme Tea', ...env });
  const clock = manualClock(T0);
  const metrics = makeMetrics();
  const { log, lines } = memoryLogger();
  return { db, config, clock, metrics, log, lines, dir };
}

export type CaseInit = {
  id: string;
  kind?: 'payment_intent' | 'invoice';
  paymentIntentId?: string | null;
  invoiceId?: string | null;
  customerId?: string | null;
  amount?: number;
  currency?: string;
  livemode?: boolean;
  failureCount?: number;
  facts?: CaseFacts;
};

/** Writes a case row the way the agent would. */
export function insertCase(db: Db, c: CaseInit, now = T0): void {
  db.prepare(
    `INSERT INTO cases (id, kind, payment_intent_id, invoice_id, customer_id, status, amount, currency, livemode,
                        failure_count, facts_json, opened_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    c.id,
    c.kind ?? 'payment_intent',
    c.paymentIntentId === undefined ? (c.kind === 'invoice' ? null : c.id) : c.paymentIntentId,
    c.invoiceId ?? (c.kind === 'invoice' ? c.id : null),
    c.customerId ?? null,
    c.amount ?? 2000,
    c.currency ?? 'usd',
    c.livemode ? 1 : 0,
    c.failureCount ?? 1,
    JSON.stringify(c.facts ?? {}),
    now,
    now,
  );
}

/** Writes a failure row the way the agent would. */
export function insertFailure(
  db: Db,
  f: { caseId: string; chargeId: string; code?: string; declineCode?: string; occurredAt: number },
): void {
  db.prepare(
    `INSERT INTO failures (case_id, attempt_key, charge_id, code, decline_code, source, occurred_at, recorded_at)
     VALUES (?, ?, ?, ?, ?, 'webhook', ?, ?)`,
  ).run(
    f.caseId,
    f.chargeId,
    f.chargeId,
    f.code ?? 'card_declined',
    f.declineCode ?? null,
    f.occurredAt,
    f.occurredAt,
  );
}

/** Inserts a job (as the agent does) and returns its id. */
export function addJob(
  db: Db,
  job: { caseId: string; tool: JobTool; args: unknown; key: string; dueAt: number },
): number {
  const id = insertJob(
    db,
    { caseId: job.caseId, tool: job.tool, args: job.args, idempotencyKey: job.key, dueAt: job.dueAt },
    T0,
  );
  if (id === undefined) throw new Error(`job ${job.key} exists`);
  return id;
}
