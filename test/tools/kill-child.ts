/**
 * A scheduler process for the kill test: it claims the due job, says so on stdout, and hangs in
 * the executor until the parent kills it with SIGKILL.
 */
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { makeMetrics } from '../../src/metrics.ts';
import { openDatabase } from '../../src/store/db.ts';
import type { Executor } from '../../src/tools/job-outcome.ts';
import { startScheduler } from '../../src/tools/scheduler.ts';

const db = openDatabase(process.argv[2]!);
const hang: Executor = async () => {
  process.stdout.write('claimed\n');
  return new Promise(() => {});
};
startScheduler({
  db,
  config: loadConfig({}, {}),
  log: silentLogger,
  metrics: makeMetrics(),
  clock: systemClock,
  executors: { retry_payment: hang, notify_customer: hang, escalate_to_human: hang, slack_reply: hang },
  owner: 'child',
  leaseMs: 500,
  pollMs: 10,
});
