/**
 * The restarted process of the scheduler benchmark: opens the database given as argv[2] (100,000
 * pending jobs, some due), starts the scheduler with no-op executors, and on the first job run
 * prints one JSON line of timings (milliseconds since the process started) and exits.
 */
import { systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { makeMetrics } from '../src/metrics.ts';
import { openDatabase } from '../src/store/db.ts';
import type { Executor } from '../src/tools/job-outcome.ts';
import { startScheduler } from '../src/tools/scheduler.ts';

const loadedAt = performance.now();
const db = openDatabase(process.argv[2]!);
const openedAt = performance.now();
let first = true;
const run: Executor = async () => {
  if (first) {
    first = false;
    const ranAt = performance.now();
    process.stdout.write(`${JSON.stringify({ loadedAt, openedAt, ranAt })}\n`, () => process.exit(0));
  }
  return { outcome: 'done', result: {} };
};
startScheduler({
  db,
  config: loadConfig({}, {}),
  log: silentLogger,
  metrics: makeMetrics(),
  clock: systemClock,
  executors: { retry_payment: run, notify_customer: run, escalate_to_human: run, slack_reply: run },
});
