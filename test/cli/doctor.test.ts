import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/fakes/fake-anthropic.ts';
import { startFakeSlack } from '../../src/fakes/fake-slack.ts';
import { startFakeStripe } from '../../src/fakes/fake-stripe.ts';
import { startSmtpCatcher } from '../../src/fakes/smtp-catcher.ts';
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
    const r = await runCli(['doctor', '--timeout', '1'], {
      env: { ...goodEnv(), STRIPE_API_BASE: stubs.hang },
    });
    expect(r.code).toBe(1);
    expect(statusOf(r.stdout, 'stripe')).toBe('problem');
    expect(r.stdout).toMatch(/stripe +problem +(cannot reach Stripe|no answer within 1 s)/);
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

describe('billing-agent doctor against the shared fakes', () => {
  it('reads the fake Stripe and Slack, and names a Slack channel fault and a bad policy file', async () => {
    const [stripe, slack] = await Promise.all([startFakeStripe(), startFakeSlack()]);
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ retryDelays: ['30m', '400d'], escalateAfterFails: 3 }));
    try {
      const env = {
        DATABASE_PATH: join(dir, 'shared.db'),
        STRIPE_SECRET_KEY: 'sk_test_shared',
        STRIPE_API_BASE: stripe.url,
        SLACK_BOT_TOKEN: 'xoxb-shared',
        SLACK_CHANNEL: 'C0SHARED',
        SLACK_API_URL: slack.url,
        POLICY_FILE: policy,
      };
      const good = await runCli(['doctor'], { env: { ...env, POLICY_FILE: '' } });
      expect(good.code).toBe(0);
      expect(statusOf(good.stdout, 'stripe')).toBe('ok');
      expect(statusOf(good.stdout, 'slack channel')).toBe('ok');
      expect(statusOf(good.stdout, 'policy')).toBe('ok');

      slack.fail({ method: 'conversations.info', error: 'channel_not_found' });
      const bad = await runCli(['doctor'], { env });
      expect(bad.code).toBe(1);
      expect(statusOf(bad.stdout, 'slack channel')).toBe('problem');
      expect(bad.stdout).toContain('channel_not_found');
      expect(statusOf(bad.stdout, 'policy')).toBe('problem');
      expect(bad.stdout).toContain('retryDelays[1]');
      expect(stripe.requests.every((r) => r.method === 'GET')).toBe(true);
      expect(slack.messages).toHaveLength(0);
    } finally {
      await Promise.all([stripe.close(), slack.close()]);
    }
  });

  it('passes with every service pointed at the local fakes and names the key mode', async () => {
    const [stripe, slack, smtp, anthropic] = await Promise.all([
      startFakeStripe(),
      startFakeSlack(),
      startSmtpCatcher(),
      startFakeAnthropic(),
    ]);
    try {
      const env = {
        DATABASE_PATH: join(dir, 'fakes.db'),
        STRIPE_SECRET_KEY: 'sk_test_shared',
        STRIPE_API_BASE: stripe.url,
        SLACK_BOT_TOKEN: 'xoxb-shared',
        SLACK_CHANNEL: 'C0SHARED',
        SLACK_API_URL: slack.url,
        SMTP_URL: smtp.url,
        ANTHROPIC_API_KEY: 'sk-ant-test',
        ANTHROPIC_BASE_URL: anthropic.url,
      };
      const r = await runCli(['doctor', '--timeout', '2s'], { env });
      expect(r.stdout).toContain('mode: live (test-mode key)');
      for (const check of ['stripe', 'slack auth', 'slack channel', 'smtp', 'claude model']) {
        expect(statusOf(r.stdout, check), check).toBe('ok');
      }
      expect(r.code).toBe(0);
    } finally {
      await Promise.all([stripe.close(), slack.close(), smtp.close(), anthropic.close()]);
    }
  });

  it('blames the network, not the token, when Slack cannot be reached, and stays quiet about it', async () => {
    const env = { ...goodEnv(), SLACK_API_URL: 'http://127.0.0.1:9/api/' };
    const r = await runCli(['doctor', '--timeout', '2'], { env });
    expect(r.code).toBe(1);
    expect(statusOf(r.stdout, 'slack auth')).toBe('problem');
    const line = r.stdout.split('\n').find((l) => l.startsWith('slack auth  ')) ?? '';
    expect(line).not.toContain('SLACK_BOT_TOKEN');
    expect(line).toContain('check SLACK_API_URL and the network');
    const channel = r.stdout.split('\n').find((l) => l.startsWith('slack channel  ')) ?? '';
    expect(channel).toContain('check SLACK_API_URL and the network');
    expect(r.stderr).not.toContain('[WARN]');
    expect(r.stderr).not.toContain('web-api');
  });

  it('refuses a folder or an empty file as --policy', async () => {
    for (const path of ['/etc', '/dev/null']) {
      const r = await runCli(['doctor', '--policy', path]);
      expect(r.code, path).toBe(2);
      expect(r.stderr).toMatch(/--policy \S+: (not a readable file|the file is empty)/);
    }
  });
});
