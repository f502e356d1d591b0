/**
 * The daemon: ingress, worker and scheduler in one process over one SQLite file. The stages are
 * joined only by tables, so any of them can stop and the next start resumes where it was.
 */
import type { Clock } from './clock.ts';
import { type Config, ConfigError, plannerChoice, shadowReason } from './config.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { makeMetrics } from './metrics.ts';
import { makePlanner } from './agent/make-planner.ts';
import { loadPolicy } from './agent/policy.ts';
import { loadPrompt } from './agent/prompt.ts';
import { makeLiveFacts } from './agent/live-facts.ts';
import { startWorker } from './agent/worker.ts';
import { type HttpServer, startHttpServer } from './ingress/server.ts';
import { startSocketReader } from './ingress/socket-reader.ts';
import { type Db, openDatabase } from './store/db.ts';
import { countOpenCases } from './store/cases.ts';
import { countPendingInbox } from './store/inbox.ts';
import { makeExecutors } from './tools/executors.ts';
import { makeMailer } from './tools/mailer.ts';
import { startScheduler } from './tools/scheduler.ts';
import { makeSlack } from './tools/slack-client.ts';
import { makeStripe } from './tools/stripe-client.ts';

/** A running daemon. */
export type Daemon = {
  url: string;
  port: number;
  db: Db;
  metrics: Metrics;
  /** Stops accepting, finishes or releases in-flight work, closes the database. */
  stop(): Promise<void>;
};

/** How long {@link Daemon.stop} waits for each stage before moving on. */
export const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts every stage of the daemon from a validated configuration.
 *
 * @example
 * const daemon = await startDaemon(loadConfig({}, process.env), makeLogger(), systemClock);
 */
export async function startDaemon(config: Config, log: Logger, clock: Clock): Promise<Daemon> {
  const policy = loadPolicy(config.policyFile);
  const prompt = loadPrompt();
  let db: Db;
  try {
    db = openDatabase(config.databasePath);
  } catch (error) {
    const reason = (error as Error).message;
    throw new ConfigError([`--db / DATABASE_PATH: cannot open ${config.databasePath}: ${reason}`]);
  }
  const metrics = makeMetrics({
    casesOpen: () => countOpenCases(db),
    inboxBacklog: () => countPendingInbox(db),
  });
  const shadow = shadowReason(config);
  const choice = plannerChoice(config);

  const stripe = config.stripeSecretKey
    ? makeStripe({ secretKey: config.stripeSecretKey, apiBase: config.stripeApiBase })
    : undefined;
  const slack = config.slackBotToken ? makeSlack(config) : undefined;
  const mailer = makeMailer(config, log);
  const planner = makePlanner(config, log, metrics);
  const liveFacts = stripe ? makeLiveFacts(stripe, log) : undefined;
  const executors = makeExecutors({
    db,
    config,
    log,
    clock,
    shadow: shadow !== undefined,
    ...(stripe ? { stripe } : {}),
    ...(slack ? { slack } : {}),
    mailer,
  });

  const base = { db, config, log, metrics, clock };
  // The server starts first: if the address cannot be had, nothing else has started yet.
  let server: HttpServer;
  try {
    server = await startHttpServer({
      ...base,
      health: () => ({ planner: choice.planner, mode: shadow ? 'shadow' : 'live' }),
    });
  } catch (error) {
    mailer.close?.();
    db.close();
    throw listenError(error, config);
  }
  const worker = startWorker({ ...base, planner, policy, prompt, ...(liveFacts ? { liveFacts } : {}) });
  const scheduler = startScheduler({ ...base, executors });
  const socket = config.kiteSocket ? startSocketReader({ ...base, path: config.kiteSocket }) : undefined;

  log.info(
    {
      url: server.url,
      database: config.databasePath,
      planner: choice.planner,
      plannerReason: choice.reason,
      mode: shadow ? 'shadow' : 'live',
      modeReason: shadow ?? 'STRIPE_SECRET_KEY is set',
      stripe: stripe
        ? config.stripeSecretKey?.includes('_live_')
          ? 'live key'
          : 'test key'
        : 'not configured',
      slack: slack
        ? `channel ${config.slackChannel ?? '(none)'}`
        : 'not configured (escalations kept in SQLite)',
      smtp: config.smtpUrl ? 'configured' : `not configured (notices written to ${config.outboxDir})`,
      kiteSocket: config.kiteSocket ?? 'off',
      policyFile: config.policyFile ?? 'embedded default',
      promptHash: prompt.hash,
    },
    'billing-agent started',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('billing-agent stopping');
      await bounded(server.close(), 'http server', log);
      if (socket) await bounded(socket.stop(), 'kite socket reader', log);
      await bounded(worker.stop(), 'worker', log);
      await bounded(scheduler.stop(), 'scheduler', log);
      mailer.close?.();
      db.close();
      log.info('billing-agent stopped');
    })();
    return stopping;
  };

  return { url: server.url, port: server.port, db, metrics, stop };
}

async function bounded(work: Promise<unknown>, stage: string, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([work, timeout]);
    if (result === 'timeout') log.warn({ stage, timeoutMs: STOP_TIMEOUT_MS }, 'stage did not stop in time');
  } catch (error) {
    log.error({ stage, err: error }, 'stage failed to stop cleanly');
  } finally {
    clearTimeout(timer);
  }
}

/** Turns a failure to listen into the one-line configuration error an operator can act on. */
function listenError(error: unknown, config: Config): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${config.host}:${config.port}`;
  const reasons: Record<string, string> = {
    EADDRINUSE: `${where} is already in use (another billing-agent, or another server)`,
    EACCES: `not allowed to listen on ${where} (ports below 1024 need privileges)`,
    EADDRNOTAVAIL: `${config.host} is not an address of this machine`,
    ENOTFOUND: `${config.host} is not a host name this machine can resolve`,
    EAI_AGAIN: `${config.host} could not be resolved`,
  };
  const reason = code ? reasons[code] : undefined;
  return reason ? new ConfigError([`--host / HOST, --port / PORT: ${reason}`]) : error;
}
