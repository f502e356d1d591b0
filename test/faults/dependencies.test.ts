/**
 * Each dependency down, slow or rate-limited in turn, behind the real SDKs: webhooks are still
 * answered 2xx at once (ingress never waits on a dependency), retries stay within their bounds
 * and keep their idempotency key, fallbacks happen where they should, and the state afterwards
 * is consistent. Time moves on a manual clock through the scheduler's backoff.
 */
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OVERLOADED_BODY, startFakeAnthropic } from '../../src/fakes/fake-anthropic.ts';
import { type Fakes, failureEvent, postKite, seedPayment, startFakes } from './harness.ts';
import { startWorld, timedPost, type World } from './world.ts';

const MINUTE = 60_000;
/** The scheduler gives a transient job six attempts, backing off from 30 s to 30 min. */
const MAX_ATTEMPTS = 6;
const SDK_TRIES = 3;

// The SDKs' own backoff sleeps in real time (a few seconds per test); leave room on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

let fakes: Fakes;
let world: World | undefined;
beforeEach(async () => {
  fakes = await startFakes();
});
afterEach(async () => {
  await world?.close();
  world = undefined;
  await fakes.close();
});

const env = (over: Record<string, string> = {}) => ({
  STRIPE_SECRET_KEY: 'sk_test_faults',
  STRIPE_API_BASE: fakes.stripe.url,
  SLACK_BOT_TOKEN: 'xoxb-faults',
  SLACK_CHANNEL: 'C0FAULTS',
  SLACK_API_URL: fakes.slack.url,
  SMTP_URL: fakes.smtp.url,
  PLANNER: 'rules',
  ...over,
});

async function postFast(w: World, event: { id: string; type: string }) {
  const answer = await timedPost(() => postKite(w.webhook, event));
  expect(answer.status).toBe(200);
  expect(answer.ms).toBeLessThan(1000);
}

const jobsOf = (w: World, caseId: string) =>
  w.rows<{ tool: string; state: string; attempts: number }>(
    'SELECT tool, state, attempts FROM jobs WHERE case_id = ? ORDER BY id',
    caseId,
  );

describe('stripe down, rate-limited or slow', () => {
  it('500 on every confirm: bounded attempts under one key, then a could-not-act escalation', async () => {
    world = await startWorld({ env: env() });
    fakes.stripe.fail({ status: 500, path: /\/confirm$/, count: 1000 });
    await postFast(world, seedPayment(fakes.stripe, 'pi_s500'));
    await world.decide();
    await world.step(2000);
    await postFast(world, seedPayment(fakes.stripe, 'pi_s500_other'));
    await world.step(31 * MINUTE, MAX_ATTEMPTS + 1);
    const confirms = fakes.stripe.calls('POST', /pi_s500\/confirm$/);
    expect(new Set(confirms.map((c) => c.idempotencyKey)).size).toBe(1);
    expect(confirms.length).toBeGreaterThanOrEqual(MAX_ATTEMPTS);
    expect(confirms.length).toBeLessThanOrEqual(MAX_ATTEMPTS * SDK_TRIES);
    const retry = jobsOf(world, 'pi_s500').find((j) => j.tool === 'retry_payment')!;
    expect(retry).toMatchObject({ state: 'failed', attempts: MAX_ATTEMPTS });
    const [escalation] = world.rows<{ kind: string; status: string }>(
      `SELECT kind, status FROM escalations WHERE case_id = 'pi_s500'`,
    );
    expect(escalation).toMatchObject({ kind: 'could_not_act', status: 'posted' });
    expect(world.rows(`SELECT 1 FROM jobs WHERE state IN ('running')`)).toHaveLength(0);
  });

  it('429 with Retry-After: waits as told, keeps the key, and goes on once Stripe answers', async () => {
    world = await startWorld({ env: env() });
    // The Stripe SDK does not retry a 429 itself: each scheduler attempt is one request.
    fakes.stripe.fail({ status: 429, path: /\/confirm$/, count: 3, retryAfter: 1 });
    await postFast(world, seedPayment(fakes.stripe, 'pi_s429'));
    await world.decide();
    await world.step(2000);
    const [held] = world.rows<{ state: string; wait: number }>(
      `SELECT state, due_at - ? AS wait FROM jobs WHERE case_id = 'pi_s429' AND tool = 'retry_payment'`,
      world.clock.now(),
    );
    expect(held!.state).toBe('pending');
    expect(held!.wait).toBeGreaterThan(0);
    expect(held!.wait).toBeLessThanOrEqual(30_000);
    await world.step(30_000, 4);
    const confirms = fakes.stripe.calls('POST', /pi_s429\/confirm$/);
    const first = confirms.filter((c) => c.idempotencyKey === confirms[0]!.idempotencyKey);
    expect(first).toHaveLength(4);
    const [c] = world.rows<{ failure_count: number }>(`SELECT failure_count FROM cases WHERE id = 'pi_s429'`);
    expect(c!.failure_count).toBeGreaterThanOrEqual(2);
  });

  it('slower than the client timeout: the next attempt repeats the key and Stripe charges once', async () => {
    world = await startWorld({ env: env(), stripeTimeoutMs: 300 });
    fakes.stripe.delay({ ms: 1500, path: /\/confirm$/, count: SDK_TRIES });
    await postFast(world, seedPayment(fakes.stripe, 'pi_slow'));
    await world.decide();
    await world.step(2000);
    await new Promise((r) => setTimeout(r, 1600));
    await world.step(31 * MINUTE, 2);
    const confirms = fakes.stripe.calls('POST', /pi_slow\/confirm$/);
    const attempt1 = confirms.filter((c) => c.idempotencyKey === confirms[0]!.idempotencyKey);
    expect(attempt1.filter((c) => !c.replayed)).toHaveLength(1);
    expect(attempt1.length).toBeGreaterThan(1);
  });
});

describe('slack rate-limited or refusing', () => {
  const unknownDecline = { code: 'card_declined', decline_code: 'something_new_xyz' };

  it('429 twice, then ok: exactly one message for the case', async () => {
    world = await startWorld({ env: env() });
    fakes.slack.fail({ method: 'chat.postMessage', status: 429, retryAfter: 1, count: 2 });
    await postFast(world, seedPayment(fakes.stripe, 'pi_slack429', undefined, unknownDecline));
    await world.decide();
    await world.runJobs();
    await world.step(1500, 4);
    expect(fakes.slack.messages.filter((m) => !m.thread_ts)).toHaveLength(1);
    expect(fakes.slack.requests.filter((r) => r.method === 'chat.postMessage').length).toBe(3);
    expect(jobsOf(world, 'pi_slack429').find((j) => j.tool === 'escalate_to_human')?.state).toBe('done');
  });

  it('ok:false channel_not_found: no retry loop, visible in /healthz, webhooks still 200', async () => {
    world = await startWorld({ env: env() });
    fakes.slack.fail({ method: 'chat.postMessage', error: 'channel_not_found', count: 100 });
    await postFast(world, seedPayment(fakes.stripe, 'pi_nochan', undefined, unknownDecline));
    await world.decide();
    await world.runJobs();
    await world.step(31 * MINUTE, 3);
    expect(fakes.slack.requests.filter((r) => r.method === 'chat.postMessage')).toHaveLength(1);
    expect(jobsOf(world, 'pi_nochan').find((j) => j.tool === 'escalate_to_human')?.state).toBe('failed');
    const health = (await (await fetch(`${world.url}/healthz`)).json()) as { problems: string[] };
    expect(health.problems.join(' ')).toContain('channel_not_found');
    await postFast(world, seedPayment(fakes.stripe, 'pi_nochan_2'));
  });
});

describe('smtp refusing connections', () => {
  it('notices back off within their bound while the retry still runs', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    world = await startWorld({ env: env({ SMTP_URL: `smtp://127.0.0.1:${port}` }) });
    await postFast(world, seedPayment(fakes.stripe, 'pi_nosmtp'));
    await world.decide();
    await world.step(2000);
    expect(fakes.stripe.calls('POST', /pi_nosmtp\/confirm$/).length).toBeGreaterThan(0);
    await world.step(31 * MINUTE, MAX_ATTEMPTS + 1);
    const notices = jobsOf(world, 'pi_nosmtp').filter((j) => j.tool === 'notify_customer');
    expect(notices.length).toBeGreaterThan(0);
    for (const n of notices) {
      expect(n.attempts).toBeLessThanOrEqual(MAX_ATTEMPTS);
      expect(['failed', 'pending', 'canceled']).toContain(n.state);
    }
    expect(notices.some((n) => n.state === 'failed' && n.attempts === MAX_ATTEMPTS)).toBe(true);
    expect(fakes.smtp.messages).toHaveLength(0);
  });
});

describe('the model overloaded or hanging', () => {
  for (const [label, reply, expectCause] of [
    ['529 overloaded', { kind: 'status', status: 529, body: OVERLOADED_BODY } as const, /overload/i],
    ['a timeout', { kind: 'hang' } as const, /timeout|timed out/i],
  ] as const) {
    it(`${label}: the rules planner decides, the cause is recorded, webhooks still 200`, async () => {
      const model = await startFakeAnthropic({ responder: () => reply });
      try {
        world = await startWorld({
          env: env({ PLANNER: '', ANTHROPIC_API_KEY: 'sk-ant-faults', ANTHROPIC_BASE_URL: model.url }),
          model: { timeoutMs: 300, maxRetries: 1 },
        });
        await postFast(world, seedPayment(fakes.stripe, 'pi_model'));
        await world.decide();
        await postFast(world, failureEvent(fakes.stripe, 'pi_model'));
        const [d] = world.rows<{ planner: string; fallback_reason: string; actions_json: string }>(
          'SELECT planner, fallback_reason, actions_json FROM decisions ORDER BY id LIMIT 1',
        );
        expect(d!.fallback_reason).toMatch(expectCause);
        const tools = jobsOf(world, 'pi_model').map((j) => j.tool);
        expect(tools).toEqual(expect.arrayContaining(['notify_customer', 'retry_payment']));
        expect(model.requests.length).toBeLessThanOrEqual(2);
      } finally {
        await world?.close();
        world = undefined;
        await model.close();
      }
    });
  }
});
