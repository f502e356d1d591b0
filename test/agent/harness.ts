/** A worker over an in-memory database, for agent tests: deps, ingest, and table readers. */
import { manualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import type { LiveFacts } from '../../src/agent/live-facts.ts';
import type { Planner } from '../../src/agent/planner.ts';
import { DEFAULT_POLICY, type Policy } from '../../src/agent/policy.ts';
import { makeRulesPlanner } from '../../src/agent/rules-planner.ts';
import type { WorkerDeps } from '../../src/agent/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { makeMetrics } from '../../src/metrics.ts';
import { type Db, openDatabase } from '../../src/store/db.ts';
import { storeInboxRow, type Transport } from '../../src/store/inbox.ts';
import { T0 } from './builders.ts';

export function makeDeps(
  opts: { planner?: Planner; policy?: Policy; now?: number; liveFacts?: LiveFacts } = {},
) {
  const db = openDatabase(':memory:');
  const clock = manualClock(opts.now ?? T0 + 5000);
  const deps: WorkerDeps = {
    db,
    config: loadConfig({}, {}),
    log: silentLogger,
    metrics: makeMetrics(),
    clock,
    planner: opts.planner ?? makeRulesPlanner(),
    policy: opts.policy ?? DEFAULT_POLICY,
    prompt: { text: 'p', hash: 'prompthash' },
    ...(opts.liveFacts ? { liveFacts: opts.liveFacts } : {}),
  };
  return { deps, db, clock };
}

/** Stores an event in the inbox as ingress would. */
export function ingest(
  db: Db,
  event: { id: string; type: string } & Record<string, unknown>,
  transport: Transport = 'stripe',
) {
  const object = (event.data as { object?: { id?: string; object?: string } } | undefined)?.object;
  return storeInboxRow(
    db,
    {
      dedupKey: event.id,
      stripeEventId: event.id,
      type: event.type,
      status: 'pending',
      transport,
      livemode: event.livemode === true,
      stripeCreated: typeof event.created === 'number' ? event.created : undefined,
      objectId: object?.id,
      objectType: object?.object,
      raw: JSON.stringify(event),
      event,
    },
    T0,
  );
}

export const rows = (db: Db, sql: string, ...args: unknown[]) =>
  db.prepare(sql).all(...args) as Record<string, unknown>[];
export type TestJob = {
  tool: string;
  state: string;
  due_at: number;
  idempotency_key: string;
  args: Record<string, unknown>;
};
export const jobsOf = (db: Db, caseId: string): TestJob[] =>
  rows(
    db,
    'SELECT tool, state, due_at, idempotency_key, args_json FROM jobs WHERE case_id = ? ORDER BY id',
    caseId,
  ).map((j) => ({
    tool: j.tool as string,
    state: j.state as string,
    due_at: j.due_at as number,
    idempotency_key: j.idempotency_key as string,
    args: JSON.parse(j.args_json as string) as Record<string, unknown>,
  }));
export const inbox = (db: Db) => rows(db, 'SELECT id, status, reason, case_id FROM inbox ORDER BY id');
