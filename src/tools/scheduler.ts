/**
 * The job runner. Jobs live in SQLite with a due time in UTC epoch ms; one poll loop (a single
 * timer, re-armed after each pass, never one timer per job) claims due jobs under a lease, so a
 * job whose worker died runs again once its lease has expired, and the guarded state changes
 * keep a job from running twice. Transient failures go back to pending with backoff up to a
 * cap; permanent ones fail at once. A job that gives up raises an escalation ("the agent could
 * not act"), unless it was itself part of an escalation. Every attempt appends a result row.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Db } from '../store/db.ts';
import { appendJobResult } from '../store/job-results.ts';
import {
  type ClaimedJob,
  claimJob,
  finishJob,
  listRunnableJobIds,
  releaseLeases,
  rescheduleJob,
} from '../store/jobs.ts';
import { type ExecResult, type Executors, JobError } from './job-outcome.ts';
import { raiseCouldNotAct } from './could-not-act.ts';

export type JobRetryPolicy = {
  /** Attempts before a transiently failing job gives up. */
  maxAttempts: number;
  initialDelayMs: number;
  backoff: number;
  maxDelayMs: number;
};

export type SchedulerDeps = {
  db: Db;
  config: Config;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  executors: Executors;
  /** Lease owner name; a random one per runner by default. */
  owner?: string;
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  retry?: Partial<JobRetryPolicy>;
  /** How long `stop()` waits for running jobs before giving their leases back. */
  stopWaitMs?: number;
};

export const DEFAULT_JOB_RETRY: JobRetryPolicy = {
  maxAttempts: 6,
  initialDelayMs: 30_000,
  backoff: 2,
  maxDelayMs: 30 * 60_000,
};
/**
 * Longer than any bounded call an executor makes (Stripe, Slack and SMTP all have timeouts).
 * Limitation: the lease is not renewed while a job runs; a job that outlives it may be claimed
 * by a second runner (its Stripe call then repeats the same idempotency key).
 */
export const DEFAULT_LEASE_MS = 5 * 60_000;
export const DEFAULT_POLL_MS = 500;
const DEFAULT_CONCURRENCY = 4;
const STOP_WAIT_MS = 10_000;

/**
 * Runs every job that is due now (up to `limit`), `concurrency` at a time, and resolves with how
 * many ran once they have all finished.
 *
 * @example
 * await runDueJobs({ db, config, log, metrics, clock, executors });
 */
export async function runDueJobs(deps: SchedulerDeps, limit = 1000): Promise<number> {
  const owner = deps.owner ?? `runner-${randomUUID()}`;
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  const ids = listRunnableJobIds(deps.db, deps.clock.now(), limit);
  let ran = 0;
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      if (await claimAndRun(deps, owner, id)) ran++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, lane));
  return ran;
}

/**
 * Starts the poll loop. `stop()` stops claiming, waits (bounded) for running jobs, and gives
 * back any lease it still holds.
 */
export function startScheduler(deps: SchedulerDeps): { stop(): Promise<void> } {
  const owner = deps.owner ?? `scheduler-${randomUUID()}`;
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  const pollMs = deps.pollMs ?? DEFAULT_POLL_MS;
  const running = new Set<Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const pass = () => {
    timer = undefined;
    if (stopped) return;
    try {
      const free = concurrency - running.size;
      const ids = free > 0 ? listRunnableJobIds(deps.db, deps.clock.now(), free) : [];
      for (const id of ids) {
        const run = claimAndRun(deps, owner, id).then(
          () => undefined,
          (err: unknown) => deps.log.error({ err, jobId: id }, 'job runner failed'),
        );
        running.add(run);
        void run.finally(() => {
          running.delete(run);
        });
      }
    } catch (err) {
      deps.log.error({ err }, 'scheduler pass failed');
    }
    timer = setTimeout(pass, pollMs);
  };
  timer = setTimeout(pass, 0);
  deps.log.info({ owner, pollMs, concurrency }, 'scheduler started');

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      let waitTimer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        waitTimer = setTimeout(resolve, deps.stopWaitMs ?? STOP_WAIT_MS);
      });
      await Promise.race([Promise.allSettled([...running]), bound]);
      clearTimeout(waitTimer);
      const released = releaseLeases(deps.db, owner, deps.clock.now());
      deps.log.info({ owner, released }, 'scheduler stopped');
    },
  };
}

/** Claims job `id` and runs it; false when another runner got it first. */
async function claimAndRun(deps: SchedulerDeps, owner: string, id: number): Promise<boolean> {
  const now = deps.clock.now();
  const job = claimJob(deps.db, id, owner, now, now + (deps.leaseMs ?? DEFAULT_LEASE_MS));
  if (!job) return false;
  const log = deps.log.child({ jobId: job.id, caseId: job.case_id, tool: job.tool, attempt: job.attempts });
  let outcome: ExecResult | JobError;
  try {
    outcome = await deps.executors[job.tool](job);
  } catch (err) {
    outcome =
      err instanceof JobError
        ? err
        : new JobError('executor_error', err instanceof Error ? err.message : String(err), {
            transient: false,
            cause: err,
          });
  }
  if (outcome instanceof JobError) settleFailure(deps, owner, job, outcome, log);
  else settleSuccess(deps, owner, job, outcome, log);
  return true;
}

function settleSuccess(deps: SchedulerDeps, owner: string, job: ClaimedJob, res: ExecResult, log: Logger) {
  const now = deps.clock.now();
  const state = res.outcome === 'skipped' ? 'skipped' : 'done';
  const kept = deps.db
    .transaction(() => {
      if (
        !finishJob(deps.db, job.id, owner, state, { outcome: res.outcome, ...res.result }, undefined, now)
      ) {
        return false;
      }
      appendJobResult(
        deps.db,
        { jobId: job.id, caseId: job.case_id, outcome: res.outcome, detail: res.result },
        now,
      );
      return true;
    })
    .immediate();
  if (!kept) return log.warn('job lease lost before completion; result not recorded');
  deps.metrics.jobs.inc({ tool: job.tool, result: res.outcome });
  log.info({ outcome: res.outcome }, 'job finished');
}

function settleFailure(deps: SchedulerDeps, owner: string, job: ClaimedJob, err: JobError, log: Logger) {
  const now = deps.clock.now();
  const policy = { ...DEFAULT_JOB_RETRY, ...deps.retry };
  const detail = { code: err.code, message: err.message, attempt: job.attempts, ...err.detail };
  const retry = err.transient && job.attempts < policy.maxAttempts;
  const result = retry ? 'transient_error' : err.transient ? 'gave_up' : 'permanent_error';
  const kept = deps.db
    .transaction(() => {
      const ok = retry
        ? rescheduleJob(deps.db, job.id, owner, now + retryDelay(policy, job.attempts, err), err.message, now)
        : finishJob(deps.db, job.id, owner, 'failed', detail, `${err.code}: ${err.message}`, now);
      if (!ok) return false;
      appendJobResult(deps.db, { jobId: job.id, caseId: job.case_id, outcome: result, detail }, now);
      if (!retry) raiseCouldNotAct(deps.db, job, `${err.code}: ${err.message}`, now);
      return true;
    })
    .immediate();
  if (!kept) return log.warn('job lease lost before completion; result not recorded');
  deps.metrics.jobs.inc({ tool: job.tool, result });
  if (retry) log.warn({ code: err.code, err: err.message }, 'job failed; will retry');
  else log.error({ code: err.code, err: err.message }, 'job failed; gave up');
}

/** The server's `Retry-After` when it gave one, else backoff for attempt `n` (1-based). */
export function retryDelay(policy: JobRetryPolicy, attempt: number, err?: JobError): number {
  if (err?.retryAfterMs !== undefined) return Math.min(err.retryAfterMs, policy.maxDelayMs * 4);
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.backoff ** (attempt - 1));
}
