import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditDocumentSchema } from '../../src/cli/audit-document.ts';
import { runCli } from './run-cli.ts';
import { seedDatabase } from './seed.ts';

let db: string;

beforeAll(() => {
  db = seedDatabase();
});

describe('billing-agent audit', () => {
  it('prints the timeline of a case found by its payment intent', async () => {
    const r = await runCli(['audit', 'pi_test_strikes', '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Case pi_test_strikes (payment_intent): open, 3 failures, $19.99, test mode');
    expect(r.stdout).toContain('2026-03-01T10:00:00.000Z  event');
    expect(r.stdout).toContain('received payment_intent.payment_failed evt_test_fail_1 via kite-http (done)');
    expect(r.stdout).toContain('payment failed on ch_test_1: card_declined/insufficient_funds (webhook)');
    expect(r.stdout).toContain('notify_customer first_failure; retry_payment in 30m');
    expect(r.stdout).toContain('planner claude, model claude-sonnet-4-6, prompt abc123def456, policy pol999');
    expect(r.stdout).toContain('proposed: retry_payment in 30m → allow [policy]');
    expect(r.stdout).toContain('rationale: Soft decline');
    expect(r.stdout).toContain('job #1 retry_payment: declined');
    expect(r.stdout).toContain('escalation (case) posted in C0BILLING');
  });

  it('never prints a customer e-mail address in full', async () => {
    const text = await runCli(['audit', 'pi_test_strikes', '--db', db]);
    const json = await runCli(['audit', 'pi_test_strikes', '--json', '--db', db]);
    for (const out of [text.stdout, json.stdout]) {
      expect(out).not.toContain('jenny.rosen@example.com');
      expect(out).toContain('j***@example.com');
    }
  });

  it('masks card-number-like digit runs from a model rationale, keeping the last four', async () => {
    const copy = seedDatabase();
    const sqlite = new Database(copy);
    sqlite
      .prepare('UPDATE decisions SET rationale = ?')
      .run('Customer wrote 4242 4242 4242 4242 and 5555-5555-5555-4444 and 378282246310005.');
    sqlite.close();
    const text = await runCli(['audit', 'pi_test_strikes', '--db', copy]);
    const json = await runCli(['audit', 'pi_test_strikes', '--json', '--db', copy]);
    expect(text.code).toBe(0);
    for (const out of [text.stdout, json.stdout]) {
      expect(out).not.toMatch(/4242 4242|5555-5555|378282246310005/);
      expect(out).toContain('****4242');
      expect(out).toContain('****4444');
      expect(out).toContain('****0005');
    }
  });

  it('finds the case from a charge alias, an event id and the customer', async () => {
    for (const id of ['ch_test_1', 'evt_test_fail_2', 'cus_test_jenny']) {
      const r = await runCli(['audit', id, '--json', '--db', db]);
      expect(r.code, id).toBe(0);
      expect(JSON.parse(r.stdout).cases.map((c: { id: string }) => c.id)).toEqual(['pi_test_strikes']);
    }
  });

  it('prints a json document that matches the published schema', async () => {
    const r = await runCli(['audit', 'in_test_closed', '--json'], { env: { DATABASE_PATH: db } });
    expect(r.code).toBe(0);
    const doc = AuditDocumentSchema.parse(JSON.parse(r.stdout));
    expect(doc.version).toBe(1);
    expect(doc.cases[0]?.status).toBe('closed');
    expect(doc.cases[0]?.amount).toEqual({ minor: 5000, currency: 'jpy', display: '¥5,000' });
    expect(doc.cases[0]?.timeline.at(-1)?.summary).toBe('case closed: invoice.paid');
  });

  it('exits 1 with a clear message for an id that matches nothing', async () => {
    const r = await runCli(['audit', 'pi_nothing_here', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing recorded about pi_nothing_here');
    expect(r.stdout).toBe('');
  });

  it('exits 1 when the database file does not exist', async () => {
    const r = await runCli(['audit', 'pi_x', '--db', join(tmpdir(), 'ba-no-such-dir', 'x.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no database at');
  });

  it('exits 1 when the file is not a billing-agent database', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ba-cli-')), 'junk.db');
    writeFileSync(file, 'not sqlite at all');
    const r = await runCli(['audit', 'pi_x', '--db', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot open|not a billing-agent database/);
  });

  for (const args of [[], ['a', 'b'], ['pi_x', '--bogus']]) {
    it(`exits 2 on bad arguments: audit ${args.join(' ')}`, async () => {
      const r = await runCli(['audit', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('usage: billing-agent audit <id>');
    });
  }
});
