/**
 * Runs `billing-agent demo` to completion as a user would, then audits and replays the
 * database it leaves behind, through the same CLI.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, toolUse } from '../../src/fakes/fake-anthropic.ts';
import { type CliResult, REPO_ROOT, runCli } from './run-cli.ts';

let demo: CliResult;
let dbPath: string;

beforeAll(async () => {
  demo = await runCli(['demo'], { timeoutMs: 90_000 });
  dbPath = /The database is kept at (\S+)\. /.exec(demo.stdout)?.[1] ?? '';
}, 100_000);

describe('billing-agent demo', () => {
  it('runs to completion and says every payment went as expected', () => {
    expect(demo.stderr).toBe('');
    expect(demo.stdout).not.toContain('FAIL');
    expect(demo.code).toBe(0);
    expect(dbPath).toMatch(/billing-agent\.db$/);
  });

  it('shows two declined retries, two notices and an escalation for the declining card', () => {
    const part = section(demo.stdout, 'pi_demo_always_declines');
    expect(part).toContain('received through kite-http');
    expect(part.match(/retry \d: /g)).toHaveLength(2);
    expect(part).toContain('e-mail "first_failure"');
    expect(part).toContain('e-mail "update_payment_method"');
    expect(part).toMatch(/escalation posted in Slack channel C0DEMOBILLING/);
  });

  it('orders each line by when it was learned: the event before its failure, a retry before its feedback', () => {
    const lines = section(demo.stdout, 'pi_demo_always_declines').split('\n');
    const first = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(first(/Stripe event payment_intent\.payment_failed/)).toBeLessThan(first(/failure 1 counted/));
    expect(first(/Stripe retry 1: declined/)).toBeLessThan(first(/decline fed back/));
    expect(first(/decline fed back/)).toBeLessThan(first(/failure 2 counted/));
  });

  it('words a decision taken by code as replay does, and writes the rationale as a sentence', async () => {
    const part = section(demo.stdout, 'pi_demo_funds_then_ok');
    expect(part).toContain('decided by code on closed, not by a planner: notify_customer payment_recovered');
    const replay = await runCli(['replay', '--case', 'pi_demo_funds_then_ok', '--db', dbPath]);
    expect(replay.stdout).toContain('decided by code on closed, not by a planner');
    const audit = await runCli(['audit', 'pi_demo_always_declines', '--db', dbPath]);
    expect(audit.stdout).toContain('an ambiguous soft decline');
    expect(audit.stdout).not.toMatch(/\ba [aeiou]\w* decline|\w_\w+ decline/);
  });

  it('shows the insufficient-funds card recovered by one retry and the case closed', () => {
    const part = section(demo.stdout, 'pi_demo_funds_then_ok');
    expect(part.match(/retry \d: /g)).toHaveLength(1);
    expect(part).toContain('case closed');
  });

  it('asks the customer to authenticate and never retries off-session', () => {
    const part = section(demo.stdout, 'pi_demo_needs_auth');
    expect(part).toContain('e-mail "authenticate"');
    expect(part).toContain('https://pay.demo-shop.example/pi_demo_needs_auth');
    expect(part).not.toMatch(/retry \d: /);
    expect(part).toContain('¥5,000');
  });

  it('prints notice texts with masked addresses and the next commands', () => {
    expect(demo.stdout).toContain('Subject: ');
    expect(demo.stdout).not.toMatch(/ada\.lovelace@example\.com/);
    expect(demo.stdout).toContain(`npx billing-agent audit pi_demo_always_declines --db ${dbPath}`);
    expect(demo.stdout).toContain(`npx billing-agent replay --db ${dbPath}`);
  });

  it('leaves a database that audit reads', async () => {
    const r = await runCli(['audit', 'pi_demo_always_declines', '--db', dbPath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Case pi_demo_always_declines (payment_intent)');
    expect(r.stdout).toContain('escalate_to_human');
  });

  it('audit shows the masked address each notice went to, never the full one', async () => {
    const text = await runCli(['audit', 'pi_demo_always_declines', '--db', dbPath]);
    const json = await runCli(['audit', 'pi_demo_always_declines', '--json', '--db', dbPath]);
    expect(text.stdout).toMatch(/e-mail|notice/);
    expect(text.stdout).toMatch(/ to \w\*\*\*@[\w.-]+\.\w+/);
    const doc = JSON.parse(json.stdout);
    const notices = doc.cases.flatMap((c: { notices: Array<{ recipient: string | null }> }) => c.notices);
    expect(notices.length).toBeGreaterThan(0);
    for (const n of notices) expect(n.recipient).toMatch(/^\w\*\*\*@[\w.-]+\.\w+$/);
    const stored = new Database(dbPath, { readonly: true });
    const rows = stored.prepare('SELECT recipient_masked FROM notices').all() as {
      recipient_masked: string;
    }[];
    stored.close();
    for (const row of rows) expect(row.recipient_masked).toMatch(/^\w\*\*\*@/);
  });

  it('replays the recorded decisions with the rules planner and finds no difference', async () => {
    const r = await runCli(['replay', '--db', dbPath, '--fail-on-diff']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Summary: \d+ decisions, (\d+) same, 0 different, 0 could not be re-decided/);
  });

  it('replays one case as json', async () => {
    const r = await runCli(['replay', '--case', 'pi_demo_funds_then_ok', '--json', '--db', dbPath]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    expect(doc.decisions.length).toBeGreaterThan(0);
    expect(new Set(doc.decisions.map((d: { caseId: string }) => d.caseId))).toEqual(
      new Set(['pi_demo_funds_then_ok']),
    );
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Replay'), readme.indexOf('## Doctor'));
    const first = doc.decisions[0];
    const keys = [doc, doc.setup, doc.summary, first, first.recorded, first.replayed].flatMap(Object.keys);
    for (const key of new Set(keys)) expect(section, key).toContain(`"${key}"`);
  });

  it('exits 1 with --fail-on-diff when a recorded decision differs from what would be decided now', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'ba-replay-')), 'changed.db');
    copyFileSync(dbPath, copy);
    const db = new Database(copy);
    db.prepare(
      `UPDATE decisions SET actions_json = ? WHERE id = (SELECT MIN(id) FROM decisions WHERE case_id = 'pi_demo_always_declines')`,
    ).run(JSON.stringify([{ tool: 'retry_payment', input: { delay_seconds: 86_400, rationale: 'edited' } }]));
    db.close();
    const r = await runCli(['replay', '--db', copy, '--fail-on-diff']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('<- different');
    expect(r.stdout).toMatch(/1 different/);
    const plain = await runCli(['replay', '--db', copy]);
    expect(plain.code).toBe(0);
  });
});

describe('billing-agent replay --planner claude', () => {
  it('re-decides with another prompt and model against a local Messages API, writing nothing', async () => {
    const escalate = { summary: 'always escalate', urgency: 'high', rationale: 'the new prompt says so' };
    const fake = await startFakeAnthropic({
      responder: () => toolUse([{ name: 'escalate_to_human', input: escalate }]),
    });
    const prompt = join(mkdtempSync(join(tmpdir(), 'ba-prompt-')), 'policy-v2.md');
    writeFileSync(prompt, 'Always escalate every failed payment to a person.\n');
    const countDecisions = () => {
      const db = new Database(dbPath, { readonly: true });
      const n = (db.prepare('SELECT COUNT(*) AS n FROM decisions').get() as { n: number }).n;
      db.close();
      return n;
    };
    const before = countDecisions();
    try {
      const args = [
        'replay',
        '--planner',
        'claude',
        '--prompt',
        prompt,
        '--model',
        'claude-test-1',
        '--db',
        dbPath,
      ];
      const env = { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: fake.url };
      const r = await runCli([...args, '--fail-on-diff'], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/with the claude planner, model claude-test-1, prompt [0-9a-f]{12}/);
      expect(r.stdout).toContain('escalate_to_human   <- different');
      expect(fake.requests.length).toBeGreaterThan(0);
      const body = fake.requests[0]!.body;
      expect(body.model).toBe('claude-test-1');
      expect(JSON.stringify(body.system)).toContain('Always escalate every failed payment');
    } finally {
      await fake.close();
    }
    expect(countDecisions()).toBe(before);
  });
});

describe('billing-agent replay --planner claude with a failing model', () => {
  it('counts decisions that fell back to the rules planner and fails --fail-on-diff', async () => {
    const fake = await startFakeAnthropic({
      responder: () => ({
        kind: 'status',
        status: 500,
        body: { type: 'error', error: { type: 'api_error' } },
      }),
    });
    try {
      const env = { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: fake.url };
      const args = ['replay', '--planner', 'claude', '--db', dbPath, '--fail-on-diff'];
      const r = await runCli(args, { env });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('<- not decided by the claude planner');
      expect(r.stdout).toMatch(
        /0 same, 0 different, 0 could not be re-decided, \d+ fell back to the rules planner/,
      );
      const json = await runCli([...args, '--json'], { env });
      expect(json.code).toBe(1);
      const doc = JSON.parse(json.stdout);
      expect(doc.summary.fellBack).toBeGreaterThan(0);
      expect(doc.summary.same).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it('gives a hung model the --timeout budget once per decision and says how long it took', async () => {
    const fake = await startFakeAnthropic({ responder: () => ({ kind: 'hang' }) });
    try {
      const env = { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: fake.url };
      const args = ['replay', '--planner', 'claude', '--case', 'pi_demo_funds_then_ok', '--db', dbPath];
      const r = await runCli([...args, '--timeout', '1s', '--json'], { env, timeoutMs: 30_000 });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      const decided = doc.decisions.filter((d: { skipped: string | null }) => d.skipped === null);
      expect(decided.length).toBeGreaterThan(0);
      expect(fake.requests).toHaveLength(decided.length);
      for (const d of decided) expect(d.replayed.fallbackReason).toMatch(/LLM timeout.*gave up after 1\.\ds/);
    } finally {
      await fake.close();
    }
  }, 40_000);

  it('refuses a folder or an empty file as the prompt', async () => {
    const env = { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' };
    const folder = await runCli(['replay', '--planner', 'claude', '--prompt', '/etc', '--db', dbPath], {
      env,
    });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('--prompt /etc: not a readable file');
    expect(folder.stderr).not.toContain('    at ');
    const empty = await runCli(['replay', '--planner', 'claude', '--prompt', '/dev/null', '--db', dbPath], {
      env,
    });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--prompt \/dev\/null: (the file is empty|not a readable file)/);
  });
});

/** The part of the demo output about one payment. */
function section(stdout: string, id: string): string {
  const start = stdout.indexOf(`\n${id}: `);
  const next = stdout.slice(start + 1).search(/\n(pi_demo_\w+: |The stand-ins saw)/);
  return stdout.slice(start, next < 0 ? undefined : start + 1 + next);
}
