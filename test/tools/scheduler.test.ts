import { afterEach, describe, expect, it, vi } from 'vitest';
import { listResultsOfJob } from '../../src/store/job-results.ts';
import { claimJob, getJob, getJobByKey, listJobs } from '../../src/store/jobs.ts';
import { type ExecResult, type Executors, permanent, transient } from '../../src/tools/job-outcome.ts';
import { runDueJobs, type SchedulerDeps, startScheduler } from '../../src/tools/scheduler.ts';
import { jobKeys } from '../../src/tools/schemas.ts';
import { addJob, T0, world } from './helpers.ts';

type Behaviour = () => Promise<ExecResult>;
const ok: Behaviour = async () => ({ outcome: 'done', result: {} });

function executors(runs: string[], behaviour: Behaviour = ok): Executors {
  const run = (tool: string) => async (job: { idempotency_key: string }) => {
    runs.push(`${tool}:${job.idempotency_key}`);
    return behaviour();
  };
  return {
    retry_payment: run('retry_payment'),
    notify_customer: run('notify_customer'),
    escalate_to_human: run('escalate_to_human'),
    slack_reply: run('slack_reply'),
  };
}

function deps(w: ReturnType<typeof world>, ex: Executors, extra: Partial<SchedulerDeps> = {}): SchedulerDeps {
  return {
    db: w.db,
    config: w.config,
    log: w.log,
    metrics: w.metrics,
    clock: w.clock,
    executors: ex,
    ...extra,
  };
}

const retryArgs = { attempt: 1, failureKey: 'ch_1' };

describe('scheduler', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs due jobs and leaves future ones pending', async () => {
    const w = world();
    const runs: string[] = [];
    addJob(w.db, { caseId: 'pi_1', tool: 'retry_payment', args: retryArgs, key: 'retry:pi_1:1', dueAt: T0 });
    addJob(w.db, {
      caseId: 'pi_2',
      tool: 'retry_payment',
      args: retryArgs,
      key: 'retry:pi_2:1',
      dueAt: T0 + 1,
    });
    expect(await runDueJobs(deps(w, executors(runs)))).toBe(1);
    expect(runs).toEqual(['retry_payment:retry:pi_1:1']);
    expect(getJobByKey(w.db, 'retry:pi_2:1')?.state).toBe('pending');
  });

  it('records a result row and a metric for every attempt', async () => {
    const w = world();
    const id = addJob(w.db, { caseId: 'pi_1', tool: 'notify_customer', args: {}, key: 'n1', dueAt: T0 });
    await runDueJobs(deps(w, executors([])));
    expect(getJob(w.db, id)?.state).toBe('done');
    expect(listResultsOfJob(w.db, id).map((r) => r.outcome)).toEqual(['done']);
    const metric = await w.metrics.jobs.get();
    expect(metric.values).toContainEqual(
      expect.objectContaining({ labels: { tool: 'notify_customer', result: 'done' }, value: 1 }),
    );
  });

  it('fires a 24 h retry at failure + 86,400 s across the spring DST change', async () => {
    const w = world();
    const failedAt = Date.parse('2024-03-09T18:30:00-05:00');
    const dueAt = failedAt + 86_400_000;
    const id = addJob(w.db, { caseId: 'pi_dst', tool: 'retry_payment', args: retryArgs, key: 'r', dueAt });
    expect(getJob(w.db, id)?.due_at).toBe(Date.parse('2024-03-10T23:30:00Z'));
    expect(new Date(dueAt).toLocaleString('en-US', { timeZone: 'America/New_York' })).toBe(
      '3/10/2024, 7:30:00 PM',
    );
    const runs: string[] = [];
    w.clock.set(dueAt - 1);
    expect(await runDueJobs(deps(w, executors(runs)))).toBe(0);
    w.clock.set(dueAt);
    expect(await runDueJobs(deps(w, executors(runs)))).toBe(1);
  });

  it('keeps 24 h in elapsed time on the 23-hour and the 25-hour day', () => {
    const w = world();
    const spring = Date.parse('2024-03-10T00:30:00-05:00') + 86_400_000;
    const autumn = Date.parse('2024-11-03T00:30:00-04:00') + 86_400_000;
    const id1 = addJob(w.db, {
      caseId: 'a',
      tool: 'retry_payment',
      args: retryArgs,
      key: 'a',
      dueAt: spring,
    });
    const id2 = addJob(w.db, {
      caseId: 'b',
      tool: 'retry_payment',
      args: retryArgs,
      key: 'b',
      dueAt: autumn,
    });
    const local = (ms: number) => new Date(ms).toLocaleString('en-US', { timeZone: 'America/New_York' });
    expect(local(getJob(w.db, id1)!.due_at)).toBe('3/11/2024, 1:30:00 AM');
    expect(local(getJob(w.db, id2)!.due_at)).toBe('11/3/2024, 11:30:00 PM');
  });

  it('retries a transient failure with backoff, then gives up and escalates', async () => {
    const w = world();
    const id = addJob(w.db, {
      caseId: 'pi_t',
      tool: 'retry_payment',
      args: retryArgs,
      key: 'retry:pi_t:1',
      dueAt: T0,
    });
    const failing = executors([], async () => {
      throw transient('stripe_StripeAPIError', 'confirm PaymentIntent: 500');
    });
    const d = deps(w, failing, {
      retry: { maxAttempts: 3, initialDelayMs: 1000, backoff: 2, maxDelayMs: 60_000 },
    });
    await runDueJobs(d);
    expect(getJob(w.db, id)).toMatchObject({ state: 'pending', due_at: T0 + 1000, attempts: 1 });
    w.clock.set(T0 + 1000);
    await runDueJobs(d);
    expect(getJob(w.db, id)).toMatchObject({ state: 'pending', due_at: T0 + 1000 + 2000, attempts: 2 });
    w.clock.set(T0 + 3000);
    await runDueJobs(d);
    expect(getJob(w.db, id)?.state).toBe('failed');
    expect(listResultsOfJob(w.db, id).map((r) => r.outcome)).toEqual([
      'transient_error',
      'transient_error',
      'gave_up',
    ]);
    const escalation = getJobByKey(w.db, jobKeys.escalate('pi_t'));
    expect(escalation).toMatchObject({ tool: 'escalate_to_human', state: 'pending', due_at: T0 + 3000 });
    expect(JSON.parse(escalation!.args_json)).toMatchObject({ kind: 'could_not_act', urgency: 'high' });
  });

  it('waits for the server’s Retry-After instead of the backoff', async () => {
    const w = world();
    const id = addJob(w.db, { caseId: 'c', tool: 'slack_reply', args: {}, key: 'reply:c:1', dueAt: T0 });
    const limited = executors([], async () => {
      throw transient('slack_ratelimited', 'ratelimited', { retryAfterMs: 7000 });
    });
    await runDueJobs(deps(w, limited));
    expect(getJob(w.db, id)?.due_at).toBe(T0 + 7000);
  });

  it('fails a permanent error at once and raises could-not-act, in the thread when escalated', async () => {
    const w = world();
    addJob(w.db, {
      caseId: 'pi_p',
      tool: 'escalate_to_human',
      args: {},
      key: jobKeys.escalate('pi_p'),
      dueAt: T0 + 9e9,
    });
    const id = addJob(w.db, {
      caseId: 'pi_p',
      tool: 'notify_customer',
      args: {},
      key: 'notify:pi_p',
      dueAt: T0,
    });
    const failing = executors([], async () => {
      throw permanent('no_address', 'no customer e-mail');
    });
    await runDueJobs(deps(w, failing));
    expect(getJob(w.db, id)).toMatchObject({ state: 'failed', attempts: 1 });
    const reply = getJobByKey(w.db, jobKeys.reply('pi_p', `could_not_act:${id}`));
    expect(reply?.tool).toBe('slack_reply');
    expect(JSON.parse(reply!.args_json).text).toContain('no_address');
  });

  it('never raises an escalation for a failing escalation', async () => {
    const w = world();
    addJob(w.db, {
      caseId: 'pi_e',
      tool: 'escalate_to_human',
      args: {},
      key: jobKeys.escalate('pi_e'),
      dueAt: T0,
    });
    const failing = executors([], async () => {
      throw permanent('slack_channel_not_found', 'undelivered: channel_not_found');
    });
    await runDueJobs(deps(w, failing));
    expect(listJobs(w.db, 'pi_e')).toHaveLength(1);
  });

  it('treats an unexpected executor error as permanent', async () => {
    const w = world();
    const id = addJob(w.db, { caseId: 'x', tool: 'retry_payment', args: retryArgs, key: 'k', dueAt: T0 });
    await runDueJobs(
      deps(
        w,
        executors([], async () => {
          throw new TypeError('boom');
        }),
      ),
    );
    expect(getJob(w.db, id)).toMatchObject({ state: 'failed', last_error: 'executor_error: boom' });
  });

  it('re-runs a job whose worker died exactly once, after its lease', async () => {
    const w = world();
    const id = addJob(w.db, {
      caseId: 'pi_9',
      tool: 'retry_payment',
      args: retryArgs,
      key: 'retry:pi_9:1',
      dueAt: T0,
    });
    expect(claimJob(w.db, id, 'dead-worker', T0, T0 + 60_000)).toBeDefined();
    const runs: string[] = [];
    const other = deps(w, executors(runs), { owner: 'second' });
    expect(await runDueJobs(other)).toBe(0);
    w.clock.set(T0 + 60_001);
    expect(await runDueJobs(other)).toBe(1);
    expect(await runDueJobs(other)).toBe(0);
    w.clock.set(T0 + 10 * 86_400_000);
    expect(await runDueJobs(other)).toBe(0);
    expect(runs).toEqual(['retry_payment:retry:pi_9:1']);
    expect(getJob(w.db, id)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('lets only one of two runners claim a job', async () => {
    const w = world();
    addJob(w.db, { caseId: 'pi_r', tool: 'retry_payment', args: retryArgs, key: 'retry:pi_r:1', dueAt: T0 });
    const runs: string[] = [];
    const slow = executors(
      runs,
      () => new Promise((r) => setTimeout(() => r({ outcome: 'done', result: {} }), 20)),
    );
    const [a, b] = await Promise.all([
      runDueJobs(deps(w, slow, { owner: 'a' })),
      runDueJobs(deps(w, slow, { owner: 'b' })),
    ]);
    expect(a + b).toBe(1);
    expect(runs).toHaveLength(1);
  });

  it('polls with one timer whatever the number of jobs, even for jobs months away', async () => {
    const w = world();
    for (let i = 0; i < 200; i++) {
      addJob(w.db, {
        caseId: `pi_${i}`,
        tool: 'retry_payment',
        args: retryArgs,
        key: `r${i}`,
        dueAt: T0 + 60 * 86_400_000,
      });
    }
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const scheduler = startScheduler(deps(w, executors([]), { pollMs: 5 }));
    await new Promise((r) => setTimeout(r, 30));
    const armed = spy.mock.calls.length - 1;
    await scheduler.stop();
    process.off('warning', onWarning);
    expect(armed).toBeLessThan(20);
    expect(spy.mock.calls.every(([, ms]) => (ms ?? 0) <= 10_000)).toBe(true);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  it('runs jobs from the poll loop and gives back unfinished leases on stop', async () => {
    const w = world();
    const runs: string[] = [];
    let release: () => void = () => {};
    const hang = new Promise<void>((r) => {
      release = r;
    });
    const ex = executors(runs, async () => {
      await hang;
      return { outcome: 'done', result: {} };
    });
    const scheduler = startScheduler(deps(w, ex, { pollMs: 5, owner: 'me', stopWaitMs: 50 }));
    const id = addJob(w.db, {
      caseId: 'pi_s',
      tool: 'retry_payment',
      args: retryArgs,
      key: 'retry:pi_s:1',
      dueAt: T0,
    });
    await vi.waitFor(() => expect(runs).toHaveLength(1));
    expect(getJob(w.db, id)).toMatchObject({ state: 'running', lease_owner: 'me' });
    await scheduler.stop();
    expect(getJob(w.db, id)).toMatchObject({ state: 'pending', lease_owner: null, attempts: 0 });
    release();
  });

  it('waits on stop for a running job to finish and records it', async () => {
    const w = world();
    const runs: string[] = [];
    const ex = executors(
      runs,
      () => new Promise((r) => setTimeout(() => r({ outcome: 'done', result: {} }), 30)),
    );
    const scheduler = startScheduler(deps(w, ex, { pollMs: 5, owner: 'me', stopWaitMs: 5000 }));
    const id = addJob(w.db, {
      caseId: 'pi_w',
      tool: 'retry_payment',
      args: retryArgs,
      key: 'retry:pi_w:1',
      dueAt: T0,
    });
    await vi.waitFor(() => expect(runs).toHaveLength(1));
    await scheduler.stop();
    expect(getJob(w.db, id)).toMatchObject({ state: 'done', lease_owner: null, attempts: 1 });
  });
});
