/**
 * Seeds a real database file with one three-strikes case (two retries, two notices, one
 * escalation) and one closed case, through the store where it has entry points and plain SQL
 * against the schema elsewhere. Times are fixed so that outputs are stable.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Db, openDatabase } from '../../src/store/db.ts';
import { storeInboxRow } from '../../src/store/inbox.ts';
import { insertJob } from '../../src/store/jobs.ts';

export const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const MIN = 60_000;

/** A context as a decision row records it; replay tests read `failureCount` back. */
export function seedContext(caseId: string, failureCount: number, declineCode = 'insufficient_funds') {
  return { caseId, failureCount, declineCode, livemode: false };
}

function insertDecision(
  db: Db,
  row: { caseId: string; at: number; context: unknown; actions: unknown[]; proposals?: unknown[] },
): number {
  const result = db
    .prepare(
      `INSERT INTO decisions (case_id, trigger, created_at, planner, prompt_hash, policy_hash, context_json,
                              proposals_json, actions_json, rationale, gen_ai_request_model)
       VALUES (?, 'failure', ?, 'claude', 'abc123def4567890', 'pol999', ?, ?, ?, ?, 'claude-sonnet-4-6')`,
    )
    .run(
      row.caseId,
      row.at,
      JSON.stringify(row.context),
      JSON.stringify(
        row.proposals ?? row.actions.map((a) => ({ ...(a as object), verdict: 'allow', rule: 'policy' })),
      ),
      JSON.stringify(row.actions),
      'Soft decline; the policy says retry and tell the customer. Contact jenny.rosen@example.com if needed.',
    );
  return Number(result.lastInsertRowid);
}

/** Creates `dir/billing-agent.db` with the seeded cases and returns its path. */
export function seedDatabase(dir = mkdtempSync(join(tmpdir(), 'ba-cli-'))): string {
  const path = join(dir, 'billing-agent.db');
  const db = openDatabase(path);
  const pi = 'pi_test_strikes';
  db.prepare(
    `INSERT INTO cases (id, kind, payment_intent_id, customer_id, status, amount, currency, livemode, failure_count,
                        opened_at, updated_at)
     VALUES (?, 'payment_intent', ?, 'cus_test_jenny', 'open', 1999, 'usd', 0, 3, ?, ?)`,
  ).run(pi, pi, T0, T0 + 30 * MIN);
  db.prepare('INSERT INTO case_aliases (alias, case_id) VALUES (?, ?), (?, ?)').run('ch_test_1', pi, pi, pi);
  for (let n = 1; n <= 3; n++) {
    const at = T0 + (n - 1) * 10 * MIN;
    const stored = storeInboxRow(
      db,
      {
        dedupKey: `evt_test_fail_${n}`,
        stripeEventId: `evt_test_fail_${n}`,
        type: 'payment_intent.payment_failed',
        status: 'pending',
        transport: 'kite-http',
        livemode: false,
        stripeCreated: Math.floor(at / 1000),
        objectId: pi,
        objectType: 'payment_intent',
        raw: '{}',
      },
      at,
    );
    db.prepare("UPDATE inbox SET status = 'done', case_id = ?, processed_at = ? WHERE id = ?").run(
      pi,
      at + 50,
      stored.id,
    );
    db.prepare(
      `INSERT INTO failures (case_id, attempt_key, charge_id, code, decline_code, source, inbox_id, occurred_at, recorded_at)
       VALUES (?, ?, ?, 'card_declined', 'insufficient_funds', 'webhook', ?, ?, ?)`,
    ).run(pi, `ch_test_${n}`, `ch_test_${n}`, stored.id, at, at + 50);
    const actions =
      n < 3
        ? [
            {
              tool: 'notify_customer',
              input: { template: n === 1 ? 'first_failure' : 'update_payment_method' },
            },
            { tool: 'retry_payment', input: { delay_seconds: n === 1 ? 1800 : 86_400 } },
          ]
        : [{ tool: 'escalate_to_human', input: { urgency: 'normal', summary: 'three failures' } }];
    const decisionId = insertDecision(db, { caseId: pi, at: at + 100, context: seedContext(pi, n), actions });
    if (n < 3) {
      const job = insertJob(
        db,
        {
          caseId: pi,
          decisionId,
          tool: 'retry_payment',
          args: { attempt: n, failureKey: `ch_test_${n}` },
          idempotencyKey: `retry:${pi}:${n}`,
          dueAt: at + 5 * MIN,
        },
        at + 100,
      )!;
      db.prepare("UPDATE jobs SET state = 'done', attempts = 1, finished_at = ? WHERE id = ?").run(
        at + 5 * MIN,
        job,
      );
      db.prepare(
        `INSERT INTO job_results (job_id, case_id, at, outcome, detail_json) VALUES (?, ?, ?, 'declined', ?)`,
      ).run(job, pi, at + 5 * MIN, JSON.stringify({ declineCode: 'insufficient_funds' }));
      db.prepare(
        `INSERT INTO notices (case_id, failure_key, template, status, subject, body_text, created_at, sent_at)
         VALUES (?, ?, ?, 'sent', ?, 'Hello jenny.rosen@example.com, your payment failed.', ?, ?)`,
      ).run(
        pi,
        `ch_test_${n}`,
        n === 1 ? 'first_failure' : 'update_payment_method',
        `Payment for jenny.rosen@example.com failed`,
        at + 200,
        at + 300,
      );
    }
  }
  db.prepare(
    `INSERT INTO escalations (case_id, kind, status, channel, ts, text, created_at, updated_at)
     VALUES (?, 'case', 'posted', 'C0BILLING', '1700000000.000100', 'Payment pi_test_strikes failed 3 times', ?, ?)`,
  ).run(pi, T0 + 21 * MIN, T0 + 21 * MIN);

  const closed = 'in_test_closed';
  db.prepare(
    `INSERT INTO cases (id, kind, invoice_id, customer_id, status, close_reason, amount, currency, failure_count,
                        opened_at, updated_at, closed_at)
     VALUES (?, 'invoice', ?, 'cus_test_other', 'closed', 'invoice.paid', 5000, 'jpy', 1, ?, ?, ?)`,
  ).run(closed, closed, T0, T0 + MIN, T0 + MIN);
  insertDecision(db, {
    caseId: closed,
    at: T0 + 100,
    context: seedContext(closed, 1, 'card_velocity_exceeded'),
    actions: [{ tool: 'retry_payment', input: { delay_seconds: 1800 } }],
  });
  db.close();
  return path;
}
