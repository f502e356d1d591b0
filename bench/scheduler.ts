/**
 * The scheduler with 100,000 pending jobs (1,000 due now, the rest spread over the next 30
 * days), side by side with a table of only the 1,000 due jobs: the time of one due-job query,
 * and the time to claim and run the 1,000 due ones with no-op executors (claims, leases and
 * result rows are real). Then a restart: a new process (`scheduler-child.ts`) opens the big
 * database and starts the scheduler; measured from its process start (Node and the TypeScript
 * loader included) and from the database open to the first job run. Target: under 1 s.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { makeMetrics } from '../src/metrics.ts';
import type { Db } from '../src/store/db.ts';
import { insertJob, listRunnableJobIds } from '../src/store/jobs.ts';
import type { Executor } from '../src/tools/job-outcome.ts';
import { runDueJobs } from '../src/tools/scheduler.ts';
import type { BenchResult } from './result.ts';
import { benchDb, machineNote, round } from './support.ts';

const TOTAL = 100_000;
const DUE = 1_000;
const DAY = 86_400_000;

function seed(db: Db, total: number, due: number, now: number) {
  const tools = ['retry_payment', 'notify_customer', 'escalate_to_human'] as const;
  db.transaction(() => {
    for (let i = 0; i < total; i++) {
      const dueAt = i < due ? now - 1000 + (i % 1000) : now + 3_600_000 + ((i * 7919) % (30 * DAY));
      insertJob(
        db,
        {
          caseId: `pi_sched_${i}`,
          tool: tools[i % 3]!,
          args: { attempt: 1, failureKey: `ch_sched_${i}` },
          idempotencyKey: `bench:${i}`,
          dueAt,
        },
        now,
      );
    }
  })();
}

const noop: Executor = async () => ({ outcome: 'done', result: {} });

function measureClaims(db: Db) {
  const now = systemClock.now();
  const q = performance.now();
  const ids = listRunnableJobIds(db, now, DUE);
  const queryMs = performance.now() - q;
  return { ids: ids.length, queryMs, now };
}

async function claimAll(db: Db) {
  const deps = {
    db,
    config: loadConfig({}, {}),
    log: silentLogger,
    metrics: makeMetrics(),
    clock: systemClock,
    executors: { retry_payment: noop, notify_customer: noop, escalate_to_human: noop, slack_reply: noop },
  };
  const start = performance.now();
  const ran = await runDueJobs(deps, DUE);
  return { ran, ms: performance.now() - start };
}

function restart(
  path: string,
): Promise<{ loadedAt: number; openedAt: number; ranAt: number; wallMs: number }> {
  const child = fileURLToPath(new URL('./scheduler-child.ts', import.meta.url));
  const started = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', child, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error('restarted scheduler ran no job within 30 s'));
    }, 30_000);
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      resolve({ ...JSON.parse(out), wallMs: performance.now() - started });
    });
  });
}

/** Runs the benchmark (the `bench/run.ts` entry). */
export async function run(): Promise<BenchResult> {
  const big = benchDb('scheduler-big');
  const small = benchDb('scheduler-small');
  const seedStart = performance.now();
  seed(big.db, TOTAL, DUE, systemClock.now());
  const seedSeconds = (performance.now() - seedStart) / 1000;
  seed(small.db, DUE, DUE, systemClock.now());

  const plan = (
    big.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id FROM jobs
         WHERE (state = 'pending' AND due_at <= 1) OR (state = 'running' AND lease_until < 1)
         ORDER BY due_at, id LIMIT 10`,
      )
      .all() as { detail: string }[]
  )
    .map((r) => r.detail)
    .join('; ');
  const bigQuery = measureClaims(big.db);
  const smallQuery = measureClaims(small.db);
  const bigClaim = await claimAll(big.db);
  const smallClaim = await claimAll(small.db);
  // The restart: the due jobs again (the ones just run are done), with the big table around them.
  big.db
    .prepare(`UPDATE jobs SET state = 'pending', due_at = ? WHERE idempotency_key LIKE 'bench:%' AND id <= ?`)
    .run(systemClock.now() - 1000, DUE);
  big.db.close();
  const boot = await restart(big.path);
  small.db.close();
  for (const d of [big, small]) rmSync(d.dir, { recursive: true, force: true });

  return {
    name: 'scheduler',
    rows: [
      {
        name: 'due-job query (1,000 due of 100,000)',
        value: round(bigQuery.queryMs, 2),
        unit: 'ms',
        comparison: `${round(smallQuery.queryMs, 2)} ms with 1,000 jobs in all`,
      },
      {
        name: 'claim + run 1,000 due (of 100,000)',
        value: round(bigClaim.ms, 0),
        unit: 'ms',
        comparison: `${round(smallClaim.ms, 0)} ms with 1,000 jobs in all`,
      },
      {
        name: 'jobs claimed and run per second',
        value: round((bigClaim.ran / bigClaim.ms) * 1000, 0),
        unit: 'jobs/s',
        comparison: `${round((smallClaim.ran / smallClaim.ms) * 1000, 0)}/s with 1,000 jobs in all`,
      },
      {
        name: 'restart: process start -> first job run',
        value: round(boot.ranAt, 0),
        unit: 'ms',
        target: '< 1000',
        comparison: `of which Node + TypeScript loader + imports ${round(boot.loadedAt, 0)} ms`,
      },
      {
        name: 'restart: database open -> first job run',
        value: round(boot.ranAt - boot.loadedAt, 1),
        unit: 'ms',
        target: '< 1000',
        comparison: `open + migrations check ${round(boot.openedAt - boot.loadedAt, 1)} ms`,
      },
      { name: 'restart: spawn -> first job (parent clock)', value: round(boot.wallMs, 0), unit: 'ms' },
    ],
    notes: [
      machineNote(),
      `${TOTAL} pending jobs seeded in ${round(seedSeconds, 1)} s; ${DUE} due now, the rest over 30 days`,
      `due-job query plan: ${plan}`,
      'no-op executors: this measures the scheduler and SQLite (claim with lease, finish, result row, each its own durable commit), not Stripe, Slack or SMTP',
    ],
  };
}
