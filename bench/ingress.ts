/**
 * Ingress throughput: signed Stripe deliveries and Kite proxy deliveries, 50 concurrent
 * keep-alive connections, side by side with a bare express handler that reads the body and
 * answers 200 without storing (the ceiling). The servers run in a child process (this same
 * file, started with BENCH_INGRESS_SERVER=1) so the load generator does not share their event
 * loop; everything listens on 127.0.0.1. Each scenario is bounded by a request count and a time.
 *
 * SQLite runs as the daemon runs it: WAL with synchronous=FULL, because an event is acknowledged
 * only after its commit and NORMAL may lose the last commits on power loss.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import pino from 'pino';
import Stripe from 'stripe';
import { systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { startHttpServer } from '../src/ingress/server.ts';
import { makeLogger } from '../src/log.ts';
import { makeMetrics } from '../src/metrics.ts';
import { openDatabase } from '../src/store/db.ts';
import { load, type Measured, type Sample, type Scenario, summarise } from './http-load.ts';
import type { BenchResult, BenchRow } from './result.ts';

const CONCURRENCY = 50;
/** Scenarios take turns, ROUNDS times, so a change in machine load hits them all alike. */
const ROUNDS = 4;
const REQUESTS_PER_ROUND = 5_000;
const WARMUP = 1_000;
const MAX_SECONDS_PER_ROUND = 10;
const SECRET = 'whsec_bench_secret';

/** Runs the benchmark (the `bench/run.ts` entry). */
export async function run(): Promise<BenchResult> {
  const loadBefore = loadavg()[0]!;
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, BENCH_INGRESS_SERVER: '1' },
    execArgv: ['--import', 'tsx'],
  });
  const ports = await new Promise<{ ingress: number; bare: number; sync: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { ingress: number; bare: number; sync: string }));
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
  try {
    const template = eventTemplate();
    const scenarios: (Scenario & { port: number })[] = [
      { ...bareScenario(template), port: ports.bare },
      { ...stripeScenario(template), port: ports.ingress },
      { ...kiteScenario(template), port: ports.ingress },
    ];
    const samples: Sample[][] = scenarios.map(() => []);
    let offset = 0;
    for (const s of scenarios) {
      await load(s, s.port, offset, WARMUP, CONCURRENCY, MAX_SECONDS_PER_ROUND);
      offset += WARMUP;
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, s] of scenarios.entries()) {
        samples[i]!.push(
          await load(s, s.port, offset, REQUESTS_PER_ROUND, CONCURRENCY, MAX_SECONDS_PER_ROUND),
        );
        offset += REQUESTS_PER_ROUND;
      }
    }
    const measured = scenarios.map((s, i) => summarise(s.name, samples[i]!));
    const facts = await new Promise<ServerFacts>((resolve) => {
      child.once('message', (m) => resolve(m as ServerFacts));
      child.send('count');
    });
    return report(measured, ports.sync, facts, [loadBefore, loadavg()[0]!]);
  } finally {
    const exited =
      child.exitCode === null && child.signalCode === null
        ? new Promise((r) => child.once('exit', r))
        : Promise.resolve();
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(force);
  }
}

/** What the server child reports at the end: inbox rows, and how long its event loop was held up. */
type ServerFacts = { rows: number; loopDelayP99Ms: number; loopDelayMaxMs: number };

function report(measured: Measured[], sync: string, facts: ServerFacts, load: number[]): BenchResult {
  const { rows } = facts;
  const bare = measured[0]!;
  const out: BenchRow[] = [];
  for (const m of measured) {
    const rate = m.count / m.seconds;
    const isBare = m === bare;
    out.push({
      name: `${m.name} events/s`,
      value: Math.round(rate),
      unit: 'req/s',
      ...(isBare
        ? {}
        : {
            target: '>= 2000',
            comparison: `${Math.round((100 * rate * bare.seconds) / bare.count)}% of bare (target >= 40%)`,
          }),
    });
    out.push({ name: `${m.name} p50`, value: m.p50, unit: 'ms' });
    out.push({ name: `${m.name} p99`, value: m.p99, unit: 'ms', ...(isBare ? {} : { target: '< 25' }) });
    if (m.errors > 0) out.push({ name: `${m.name} non-200 answers`, value: m.errors, unit: 'req' });
  }
  out.push({ name: 'server event-loop delay p99', value: facts.loopDelayP99Ms, unit: 'ms' });
  out.push({ name: 'server event-loop delay max', value: facts.loopDelayMaxMs, unit: 'ms' });
  return {
    name: 'ingress',
    rows: out,
    notes: [
      `SQLite WAL, synchronous=${sync}: every answered event is committed first (NORMAL may lose the last commits on power loss)`,
      `${CONCURRENCY} concurrent keep-alive connections; after ${WARMUP} warm-up requests each, the scenarios take ` +
        `${ROUNDS} turns of ${REQUESTS_PER_ROUND} requests (at most ${MAX_SECONDS_PER_ROUND} s a turn)`,
      `inbox rows after the run: ${rows} (expected ${2 * (ROUNDS * REQUESTS_PER_ROUND + WARMUP)}: every event distinct)`,
      'servers in a child process, load generator in this one, 127.0.0.1 only; logs at info level to /dev/null',
      `machine: ${cpus().length} cores, 1-minute load average ${load.map((l) => l.toFixed(2)).join(' before, ')} after ` +
        '(other work on the machine shows up as event-loop delay and in every p99, the bare one included)',
    ],
  };
}

/** Sends `total` requests with CONCURRENCY in flight, bounded by MAX_SECONDS. */ function eventTemplate(): Record<
  string,
  unknown
> {
  return {
    id: 'evt_bench',
    object: 'event',
    api_version: '2026-11-18.endive',
    created: 1_700_000_000,
    livemode: false,
    pending_webhooks: 1,
    request: { id: 'req_bench', idempotency_key: 'idem-bench' },
    type: 'payment_intent.payment_failed',
    data: {
      object: {
        id: 'pi_bench',
        object: 'payment_intent',
        amount: 2000,
        currency: 'usd',
        customer: 'cus_bench',
        status: 'requires_payment_method',
        latest_charge: 'ch_bench',
        last_payment_error: {
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          charge: 'ch_bench',
        },
        metadata: { order: 'bench-order', note: 'x'.repeat(1200) },
      },
    },
  };
}

function withIds(template: Record<string, unknown>, i: number): Record<string, unknown> {
  const data = template.data as { object: Record<string, unknown> };
  return { ...template, id: `evt_bench_${i}`, data: { object: { ...data.object, id: `pi_bench_${i}` } } };
}

function bareScenario(template: Record<string, unknown>): Scenario {
  return {
    name: 'bare express',
    path: '/bare',
    make: (i) => ({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(withIds(template, i)),
    }),
  };
}

function stripeScenario(template: Record<string, unknown>): Scenario {
  return {
    name: 'stripe signed',
    path: '/stripe/webhook',
    make: (i) => {
      const body = JSON.stringify(withIds(template, i), null, 2);
      const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
      return {
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
        body,
      };
    },
  };
}

function kiteScenario(template: Record<string, unknown>): Scenario {
  return {
    name: 'kite proxy',
    path: '/webhook',
    make: (i) => ({
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': `ce-bench-${i}`,
        'ce-source': 'https://getkite.sh/hooks/team_bench/stripe',
        'ce-type': 'com.stripe.payment_intent.payment_failed',
        'ce-time': '2026-11-20T10:00:00+00:00',
        'x-kite-source': 'stripe',
        'x-kite-event-id': `ce-bench-${i}`,
      },
      body: JSON.stringify(withIds(template, 1_000_000 + i)),
    }),
  };
}

/** The child process: the real ingress over a fresh SQLite file, and the bare handler. */
async function serve(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingress-'));
  const db = openDatabase(join(dir, 'bench.db'));
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const log = makeLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) });
  const config = loadConfig({}, { HOST: '127.0.0.1', PORT: '0', STRIPE_WEBHOOK_SECRET: SECRET });
  const server = await startHttpServer({ db, config, log, metrics: makeMetrics(), clock: systemClock });
  const bare = express();
  bare.post('/bare', express.raw({ type: () => true, limit: 1024 * 1024 }), (_req, res) => {
    res.status(200).json({ status: 'stored', id: 0 });
  });
  const bareServer = bare.listen(0, '127.0.0.1');
  await new Promise((resolve) => bareServer.once('listening', resolve));
  const barePort = (bareServer.address() as { port: number }).port;
  process.on('message', (m) => {
    if (m !== 'count') return;
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM inbox').get() as { n: number }).n;
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    process.send?.({ rows, loopDelayP99Ms: ms(loopDelay.percentile(99)), loopDelayMaxMs: ms(loopDelay.max) });
  });
  process.on('SIGTERM', async () => {
    await server.close();
    bareServer.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  process.send?.({
    ingress: server.port,
    bare: barePort,
    sync: syncName(db.pragma('synchronous', { simple: true }) as number),
  });
}

function syncName(level: number): string {
  return ['OFF', 'NORMAL', 'FULL', 'EXTRA'][level] ?? String(level);
}

if (process.env.BENCH_INGRESS_SERVER === '1') await serve();
