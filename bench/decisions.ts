/**
 * Decisions through the rules planner: 10,000 first failures across 10,000 cases, in two
 * shapes measured side by side in one run. Backlog: all 10,000 are in the inbox first, then the
 * worker drains them (decisions per second). Steady: 3,000 more arrive at 100 per second
 * while the daemon's own polling worker (`startWorker`) runs, so the time from "event stored"
 * (`inbox.received_at`) to "decision recorded" (`decisions.created_at`) is what an operator
 * sees; it includes the worker's idle poll interval (200 ms). Durable SQLite as the daemon
 * writes it: each decision is one savepoint (decision, failure, jobs, inbox status) inside the
 * worker's group commit.
 */
import { rmSync } from 'node:fs';
import { systemClock } from '../src/clock.ts';
import { processPending, startWorker } from '../src/agent/worker.ts';
import type { Db } from '../src/store/db.ts';
import type { BenchResult } from './result.ts';
import { benchDb, failureEvent, machineNote, percentile, round, storeEvents, workerDeps } from './support.ts';

const CASES = 10_000;
/** A rate the worker sustains on this machine, so the latency is not queueing behind a backlog. */
const STEADY_RATE = 100;
const STEADY_EVENTS = 3_000;
const TICK_MS = 50;
const MAX_DRAIN_MS = 120_000;
/** The Claude planner's default lanes. */
const DEFAULT_CONCURRENCY = 8;
/** The rules planner's default lanes: more decisions share each group commit. */
const WIDE_CONCURRENCY = 32;

type Latencies = { p50: number; p99: number; max: number };

function latencies(db: Db): Latencies {
  const values = (
    db
      .prepare(`SELECT d.created_at - i.received_at AS ms FROM decisions d JOIN inbox i ON i.id = d.inbox_id`)
      .all() as { ms: number }[]
  ).map((r) => r.ms);
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: Math.max(...values) };
}

const count = (db: Db, sql: string) => (db.prepare(sql).get() as { n: number }).n;

async function backlog(concurrency: number) {
  const { dir, db } = benchDb(`decisions-backlog-${concurrency}`);
  const events = Array.from({ length: CASES }, (_, i) => failureEvent(i, { run: `bl${concurrency}` }));
  const storeStart = performance.now();
  storeEvents(db, events, systemClock);
  const storeSeconds = (performance.now() - storeStart) / 1000;
  const deps = workerDeps(db, { concurrency });
  const start = performance.now();
  const batches: number[] = [];
  for (;;) {
    const t = performance.now();
    const handled = await processPending(deps, 1000);
    if (handled === 0 || performance.now() - start > MAX_DRAIN_MS) break;
    batches.push(handled / ((performance.now() - t) / 1000));
  }
  const seconds = (performance.now() - start) / 1000;
  const decisions = count(db, 'SELECT count(*) AS n FROM decisions');
  const result = {
    decisions,
    seconds,
    rate: decisions / seconds,
    storeRate: CASES / storeSeconds,
    firstBatchRate: batches[0] ?? Number.NaN,
    lastBatchRate: batches.at(-1) ?? Number.NaN,
    cases: count(db, `SELECT count(*) AS n FROM cases WHERE status = 'open'`),
    jobs: count(db, 'SELECT count(*) AS n FROM jobs'),
    latency: latencies(db),
  };
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

async function steady() {
  const { dir, db } = benchDb('decisions-steady');
  const worker = startWorker(workerDeps(db));
  const perTick = (STEADY_RATE * TICK_MS) / 1000;
  const start = performance.now();
  let sent = 0;
  while (sent < STEADY_EVENTS) {
    const due = Math.min(
      STEADY_EVENTS,
      Math.floor(((performance.now() - start) / 1000) * STEADY_RATE) + perTick,
    );
    if (due > sent) {
      storeEvents(
        db,
        Array.from({ length: due - sent }, (_, k) => failureEvent(sent + k, { run: 'st' })),
        systemClock,
      );
      sent = due;
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const arrivalSeconds = (performance.now() - start) / 1000;
  const deadline = performance.now() + MAX_DRAIN_MS;
  while (count(db, 'SELECT count(*) AS n FROM decisions') < STEADY_EVENTS && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await worker.stop();
  const seconds = (performance.now() - start) / 1000;
  const result = {
    decisions: count(db, 'SELECT count(*) AS n FROM decisions'),
    arrivalRate: STEADY_EVENTS / arrivalSeconds,
    seconds,
    latency: latencies(db),
  };
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/** Runs the benchmark (the `bench/run.ts` entry). */
export async function run(): Promise<BenchResult> {
  const b = await backlog(DEFAULT_CONCURRENCY);
  const wide = await backlog(WIDE_CONCURRENCY);
  const s = await steady();
  return {
    name: 'decisions',
    rows: [
      {
        name: `backlog: decisions/s, WORKER_CONCURRENCY=${DEFAULT_CONCURRENCY}`,
        value: round(b.rate, 0),
        unit: 'decisions/s',
        target: '>= 1000',
        comparison: `${round(b.rate / 1000, 2)}x target; inbox stored at ${round(b.storeRate, 0)} rows/s`,
      },
      {
        name: `backlog: decisions/s, WORKER_CONCURRENCY=${WIDE_CONCURRENCY} (rules default)`,
        value: round(wide.rate, 0),
        unit: 'decisions/s',
        target: '>= 1000',
        comparison: `${round(wide.rate / b.rate, 2)}x ${DEFAULT_CONCURRENCY} lanes; last 1,000 at ${round(wide.lastBatchRate, 0)}/s`,
      },
      {
        name: 'backlog: first 1,000 decisions/s',
        value: round(b.firstBatchRate, 0),
        unit: 'decisions/s',
        comparison: `last 1,000: ${round(b.lastBatchRate, 0)}/s (with ~9,000 more cases open)`,
      },
      { name: 'backlog: decisions recorded', value: b.decisions, unit: 'decisions', target: `${CASES}` },
      { name: 'backlog: drain time', value: round(b.seconds, 2), unit: 's' },
      {
        name: 'backlog: p99 stored -> decided',
        value: b.latency.p99,
        unit: 'ms',
        comparison: 'queueing behind the whole backlog',
      },
      {
        name: 'steady: arrival rate',
        value: round(s.arrivalRate, 0),
        unit: 'events/s',
        comparison: `${round(s.arrivalRate / b.rate, 2)} of backlog capacity`,
      },
      {
        name: 'steady: decisions recorded',
        value: s.decisions,
        unit: 'decisions',
        target: `${STEADY_EVENTS}`,
      },
      { name: 'steady: p50 stored -> decided', value: s.latency.p50, unit: 'ms' },
      {
        name: 'steady: p99 stored -> decided',
        value: s.latency.p99,
        unit: 'ms',
        comparison: `max ${s.latency.max} ms; backlog p99 ${b.latency.p99} ms`,
      },
    ],
    notes: [
      machineNote(),
      `${CASES} cases, one first failure each (card_declined/generic_decline): each decision opens a case and schedules a notice and a retry (${b.jobs} jobs)`,
      'SQLite WAL, synchronous=FULL; the decisions of concurrent worker lanes share group commits, one fsync per batch',
      `steady: ${STEADY_EVENTS} events at ${STEADY_RATE}/s, the daemon's polling worker at its default concurrency (200 ms idle poll), events stored every 50 ms in group commits`,
    ],
  };
}
