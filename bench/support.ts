/**
 * What the agent benchmarks share: a durable SQLite file in a fresh temp folder (WAL,
 * synchronous=FULL, as the daemon runs it), Stripe-shaped failure events for many cases, inbox
 * rows stored the way ingress stores them (group commits), worker dependencies, percentiles,
 * and the peak RSS of a process read from `/proc`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import type { Planner } from '../src/agent/planner.ts';
import { DEFAULT_POLICY, type Policy } from '../src/agent/policy.ts';
import { makeRulesPlanner } from '../src/agent/rules-planner.ts';
import type { WorkerDeps } from '../src/agent/worker.ts';
import { silentLogger } from '../src/log.ts';
import { makeMetrics } from '../src/metrics.ts';
import { type Db, openDatabase } from '../src/store/db.ts';
import { type NewInboxRow, storeInboxRows } from '../src/store/inbox.ts';

/** A fresh folder and a durable database file in it. */
export function benchDb(name: string): { dir: string; path: string; db: Db } {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const path = join(dir, `${name}.db`);
  return { dir, path, db: openDatabase(path) };
}

export type FailureOptions = {
  code?: string;
  declineCode?: string | null;
  createdMs?: number;
  livemode?: boolean;
  run?: string;
};

/** A `payment_intent.payment_failed` event for case number `i` (its own PaymentIntent, charge, card). */
export function failureEvent(i: number, options: FailureOptions = {}) {
  const run = options.run ?? 'b';
  const charge = `ch_${run}_${i}`;
  return {
    id: `evt_${run}_${i}`,
    object: 'event',
    type: 'payment_intent.payment_failed',
    api_version: '2026-11-18.endive',
    created: Math.floor((options.createdMs ?? Date.now()) / 1000),
    livemode: options.livemode ?? false,
    data: {
      object: {
        id: `pi_${run}_${i}`,
        object: 'payment_intent',
        amount: 1000 + (i % 5000),
        currency: 'usd',
        customer: `cus_${run}_${i}`,
        status: 'requires_payment_method',
        latest_charge: charge,
        metadata: {},
        last_payment_error: {
          type: 'card_error',
          charge,
          code: options.code ?? 'card_declined',
          decline_code: options.declineCode === undefined ? 'generic_decline' : options.declineCode,
          payment_method: {
            id: `pm_${run}_${i}`,
            object: 'payment_method',
            card: { brand: 'visa', fingerprint: `fp_${run}_${i}`, last4: '4242' },
          },
        },
      },
    },
  };
}

/** The inbox row ingress writes for a Stripe event. */
export function inboxRowOf(event: ReturnType<typeof failureEvent>): NewInboxRow {
  const raw = JSON.stringify(event);
  return {
    dedupKey: event.id,
    stripeEventId: event.id,
    type: event.type,
    status: 'pending',
    transport: 'stripe',
    apiVersion: event.api_version,
    livemode: event.livemode,
    stripeCreated: event.created,
    objectId: event.data.object.id,
    objectType: event.data.object.object,
    raw,
    event,
  };
}

/** Stores events in group commits of `batch` rows, as ingress does under load. */
export function storeEvents(db: Db, events: ReturnType<typeof failureEvent>[], clock: Clock, batch = 256) {
  for (let i = 0; i < events.length; i += batch) {
    const now = clock.now();
    storeInboxRows(
      db,
      events.slice(i, i + batch).map((e) => ({ row: inboxRowOf(e), now })),
    );
  }
}

/** Worker dependencies over `db` (rules planner and default policy unless given). */
export function workerDeps(
  db: Db,
  options: { planner?: Planner; policy?: Policy; clock?: Clock; concurrency?: number } = {},
): WorkerDeps {
  return {
    db,
    config: loadConfig({}, {}),
    log: silentLogger,
    metrics: makeMetrics(),
    clock: options.clock ?? systemClock,
    planner: options.planner ?? makeRulesPlanner(),
    policy: options.policy ?? DEFAULT_POLICY,
    prompt: { text: 'bench', hash: 'bench' },
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  };
}

/** The `p`-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Peak and current resident set size of a process, in MiB (Linux `/proc/<pid>/status`). */
export function rssOf(pid: number | 'self' = 'self'): { peakMb: number; currentMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { peakMb: kb('VmHWM') / 1024, currentMb: kb('VmRSS') / 1024 };
}

/** Durable (synchronous=FULL) single-row commits per second on this disk right now. */
export function commitRate(samples = 200): number {
  const { dir, db } = benchDb('fsync-probe');
  db.exec('CREATE TABLE probe (x INTEGER)');
  const insert = db.prepare('INSERT INTO probe VALUES (?)');
  const start = performance.now();
  for (let i = 0; i < samples; i++) insert.run(i);
  const rate = samples / ((performance.now() - start) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

/** One line about the machine, for the notes (the load average and the disk's commit rate now). */
export function machineNote(): string {
  const cpu = cpus();
  const commits = commitRate().toFixed(0);
  const load = loadavg()[0]!.toFixed(2);
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}; 1-minute load average ${load}, ${commits} durable commits/s when this module finished (other work on the machine slows every figure)`;
}

/** Rounds to `digits` decimals. */
export const round = (value: number, digits = 1) => Number(value.toFixed(digits));
