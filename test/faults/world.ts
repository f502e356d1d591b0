/**
 * The daemon's stages in the test process over one SQLite file, on a manual clock, with the real
 * SDKs pointed at the local fakes: the HTTP ingress, the worker (`processPending`) and the
 * scheduler (`runDueJobs`) with the real executors. Lets a fault test step time forward through
 * backoffs that would take minutes in a child process.
 */
import { join } from 'node:path';
import { manualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { makePlanner } from '../../src/agent/make-planner.ts';
import { parsePolicy } from '../../src/agent/policy.ts';
import { loadPrompt } from '../../src/agent/prompt.ts';
import { processPending } from '../../src/agent/worker.ts';
import { startHttpServer } from '../../src/ingress/server.ts';
import { silentLogger } from '../../src/log.ts';
import { makeMetrics } from '../../src/metrics.ts';
import { openDatabase } from '../../src/store/db.ts';
import { makeExecutors } from '../../src/tools/executors.ts';
import { makeMailer } from '../../src/tools/mailer.ts';
import { runDueJobs } from '../../src/tools/scheduler.ts';
import { makeSlack } from '../../src/tools/slack-client.ts';
import { makeStripe } from '../../src/tools/stripe-client.ts';
import { FAST_POLICY, KITE_TOKEN, workDir } from './harness.ts';

export type WorldOptions = {
  env?: Record<string, string>;
  stripeTimeoutMs?: number;
  model?: { timeoutMs?: number; maxRetries?: number };
};

/** Starts the stages; `close()` stops the server and closes the database. */
export async function startWorld(options: WorldOptions = {}) {
  const paths = workDir();
  const db = openDatabase(paths.dbPath);
  const config = loadConfig(
    {},
    {
      HOST: '127.0.0.1',
      PORT: '0',
      KITE_TOKEN,
      OUTBOX_DIR: join(paths.dir, 'outbox'),
      MAIL_FROM: 'billing@faults.example',
      ...options.env,
    },
  );
  const clock = manualClock(Date.now());
  const log = silentLogger;
  const metrics = makeMetrics();
  const base = { db, config, log, metrics, clock };
  const server = await startHttpServer(base);
  const planner = makePlanner(config, log, metrics, options.model ?? {});
  const worker = { ...base, planner, policy: parsePolicy(FAST_POLICY), prompt: loadPrompt() };
  const stripe = config.stripeSecretKey
    ? makeStripe({
        secretKey: config.stripeSecretKey,
        apiBase: config.stripeApiBase,
        ...(options.stripeTimeoutMs ? { timeoutMs: options.stripeTimeoutMs } : {}),
      })
    : undefined;
  const mailer = makeMailer(config, log);
  const executors = makeExecutors({
    ...base,
    shadow: false,
    ...(stripe ? { stripe } : {}),
    ...(config.slackBotToken ? { slack: makeSlack(config) } : {}),
    mailer,
  });
  return {
    ...base,
    clock,
    paths,
    webhook: `${server.url}/webhook/${KITE_TOKEN}`,
    url: server.url,
    /** Decides every pending inbox row. */
    async decide() {
      let n = 0;
      for (let handled = await processPending(worker); handled > 0; handled = await processPending(worker)) {
        n += handled;
      }
      return n;
    },
    /** Runs every job due now. */
    runJobs: () => runDueJobs({ ...base, executors }),
    /** Moves the clock and runs what fell due, `times` times. */
    async step(ms: number, times = 1) {
      for (let i = 0; i < times; i++) {
        clock.advance(ms);
        await this.decide();
        await this.runJobs();
        await this.decide();
      }
    },
    rows: <T = Record<string, unknown>>(sql: string, ...args: unknown[]) =>
      db.prepare(sql).all(...args) as T[],
    async close() {
      await server.close();
      mailer.close?.();
      db.close();
    },
  };
}

export type World = Awaited<ReturnType<typeof startWorld>>;

/** Posts through the Kite route and measures the answer time. */
export async function timedPost(post: () => Promise<number>): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  const status = await post();
  return { status, ms: performance.now() - start };
}
