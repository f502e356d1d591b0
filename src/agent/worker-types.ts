/** The worker's dependencies and what handling one inbox row comes to. */
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Db } from '../store/db.ts';
import type { LiveFacts } from './live-facts.ts';
import type { Planner } from './planner.ts';
import type { Policy } from './policy.ts';

export type WorkerDeps = {
  db: Db;
  config: Config;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  planner: Planner;
  policy: Policy;
  prompt?: { text: string; hash: string };
  liveFacts?: LiveFacts;
  concurrency?: number;
  pollMs?: number;
};

/** How a row ended. */
export type RowOutcome = {
  status: 'done' | 'skipped' | 'failed';
  reason: string | null;
  caseId: string | null;
};
