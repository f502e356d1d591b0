import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD, type Stubs, startStubs } from './doctor-stubs.ts';
import { runCli } from './run-cli.ts';

let stubs: Stubs;
let dir: string;

beforeAll(async () => {
  stubs = await startStubs();
  dir = mkdtempSync(join(tmpdir(), 'ba-doctor-'));
});
afterAll(() => stubs.close());

function goodEnv(): Record<string, string> {
  return {
    DATABASE_PATH: join(dir, 'billing-agent.db'),
    STRIPE_SECRET_KEY: GOOD.stripe,
    STRIPE_API_BASE: stubs.api,
    SLACK_BOT_TOKEN: GOOD.slack,
    SLACK_CHANNEL: 'C0MEMBER',
    SLACK_API_URL: `${stubs.api}/api/`,
    SMTP_URL: `smtp://billing:${GOOD.smtpPass}@${stubs.smtp}`,
    ANTHROPIC_API_KEY: GOOD.anthropic,
    ANTHROPIC_BASE_URL: stubs.api,
  };
}

/** The status column of the row named `check`. */
function statusOf(stdout: string, check: string): string | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`${check}  `));
  return line?.slice(check.length).trim().split(/\s+/)[0];
}

describe('billing-agent doctor', () => {
  it('reports every configured service ok and exits 0', async () => {
    const r = await runCli(['doctor'], { env: goodEnv() });
    expect(r.stdout).toContain('planner: claude (model claude-sonnet-4-6); mode: live');
    for (const check of [
      'stripe',
      'slack auth',
      'slack channel',
      'smtp',
      'claude model',
      'database writable',
    ]) {
      expect(statusOf(r.stdout, check), check).toBe('ok');
    }
    expect(r.stdout).toContain('test-mode key reached Stripe');
    expect(r.stdout).toContain('no problems found');
    expect(r.code).toBe(0);
  });

  it('names each broken service with a fix and exits 1', async () => {
    const env = {
      ...goodEnv(),
      STRIPE_SECRET_KEY: 'sk_live_wrong',
      SLACK_CHANNEL: 'C0OUTSIDE',
      SMTP_URL: `smtp://billing:wrong@${stubs.smtp}`,
      ANTHROPIC_MODEL: 'claude-nonexistent-1',
    };
    const r = await runCli(['doctor'], { env });
    expect(r.code).toBe(1);
    expect(statusOf(r.stdout, 'stripe')).toBe('problem');
    expect(r.stdout).toContain('live-mode key refused');
    expect(statusOf(r.stdout, 'slack auth')).toBe('ok');
    expect(r.stdout).toContain('the bot is not in C0OUTSIDE');
    expect(r.stdout).toContain('/invite');
    expect(statusOf(r.stdout, 'smtp')).toBe('problem');
    expect(r.stdout).toContain('model claude-nonexistent-1 not found');
    expect(r.stdout).toContain('4 problems');
  });

  it('turns a service that never answers into a problem within the timeout', async () => {
    const started = Date.now();
    const r = await runCli(['doctor', '--timeout', '1'], {
      env: { ...goodEnv(), STRIPE_API_BASE: stubs.hang },
    });
    expect(r.code).toBe(1);
    expect(statusOf(r.stdout, 'stripe')).toBe('problem');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('skips unconfigured services and passes on the embedded defaults', async () => {
    const r = await runCli(['doctor'], { env: { DATABASE_PATH: join(dir, 'defaults.db') } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mode: shadow (STRIPE_SECRET_KEY is not set)');
    for (const check of ['stripe', 'slack auth', 'smtp', 'claude model']) {
      expect(statusOf(r.stdout, check), check).toBe('skipped');
    }
  });

  it('flags an open webhook route and a database file that is not a database', async () => {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database, just text that is long enough to be read as a header');
    const r = await runCli(['doctor'], { env: { HOST: '0.0.0.0', DATABASE_PATH: junk } });
    expect(r.code).toBe(1);
    expect(statusOf(r.stdout, 'kite token')).toBe('problem');
    expect(statusOf(r.stdout, 'stripe webhook secret')).toBe('problem');
    expect(statusOf(r.stdout, 'database writable')).toBe('problem');
  });

  it('lists every configuration problem and exits 1', async () => {
    const r = await runCli(['doctor'], { env: { STRIPE_SECRET_KEY: 'pk_test_wrong', PORT: 'many' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('STRIPE_SECRET_KEY');
    expect(r.stdout).toContain('--port / PORT');
  });

  it('exits 2 on bad arguments', async () => {
    for (const args of [
      ['doctor', '--nope'],
      ['doctor', '--timeout', 'soon'],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: billing-agent doctor');
    }
  });
});
