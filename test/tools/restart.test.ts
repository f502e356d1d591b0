import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.ts';
import { openDatabase } from '../../src/store/db.ts';
import { getJob, insertJob } from '../../src/store/jobs.ts';
import type { Executor } from '../../src/tools/job-outcome.ts';
import { runDueJobs } from '../../src/tools/scheduler.ts';
import { world } from './helpers.ts';

describe('restart', () => {
  it('re-runs a job claimed by a process killed with SIGKILL exactly once, and a done job never', async () => {
    const w = world();
    const path = join(w.dir, 'kill.db');
    const db = openDatabase(path);
    const now = Date.now();
    const id = insertJob(
      db,
      {
        caseId: 'pi_k',
        tool: 'retry_payment',
        args: { attempt: 1, failureKey: 'ch_1' },
        idempotencyKey: 'retry:pi_k:1',
        dueAt: now - 1,
      },
      now,
    )!;

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'kill-child.ts'), path],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('claimed') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(getJob(db, id)).toMatchObject({ state: 'running', lease_owner: 'child', attempts: 1 });

    const runs: number[] = [];
    const count: Executor = async (job) => {
      runs.push(job.id);
      return { outcome: 'done', result: {} };
    };
    const clock = manualClock(Date.now());
    const deps = {
      db,
      config: w.config,
      log: w.log,
      metrics: w.metrics,
      clock,
      executors: {
        retry_payment: count,
        notify_customer: count,
        escalate_to_human: count,
        slack_reply: count,
      },
      owner: 'restarted',
    };
    const leaseUntil = getJob(db, id)!.lease_until!;
    clock.set(leaseUntil - 1);
    expect(await runDueJobs(deps)).toBe(0);
    clock.set(leaseUntil + 1);
    expect(await runDueJobs(deps)).toBe(1);
    clock.set(leaseUntil + 86_400_000);
    expect(await runDueJobs(deps)).toBe(0);
    expect(runs).toEqual([id]);
    expect(getJob(db, id)).toMatchObject({ state: 'done', attempts: 2 });
    db.close();
  });
});
