/**
 * Peak memory of the real daemon (`node bin/billing-agent.js run`, a child process) over a
 * database holding 100,000 open cases and a full inbox (100,000 pending failure events), side by
 * side with the same daemon over an empty database. The daemon runs for a fixed time, deciding
 * and (in shadow mode) carrying out what it can, while its peak RSS (`VmHWM` in
 * `/proc/<pid>/status`) is read; `/healthz` and `/metrics` are read once during the run, since
 * both count the open cases and the backlog.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/clock.ts';
import { type Db, openDatabase } from '../src/store/db.ts';
import type { BenchResult } from './result.ts';
import { benchDb, failureEvent, machineNote, round, rssOf, storeEvents } from './support.ts';

const OPEN_CASES = 100_000;
const INBOX = 100_000;
const RUN_MS = 30_000;
const BASELINE_MS = 5_000;
const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Open cases written as the agent writes them: the case, its own alias, one failure. */
function seedCases(db: Db, count: number, now: number) {
  const c = db.prepare(
    `INSERT INTO cases (id, kind, payment_intent_id, customer_id, status, amount, currency, livemode,
                        failure_count, last_event_created, facts_json, opened_at, updated_at)
     VALUES (?, 'payment_intent', ?, ?, 'open', 2000, 'usd', 0, 1, ?, '{}', ?, ?)`,
  );
  const a = db.prepare('INSERT INTO case_aliases (alias, case_id) VALUES (?, ?)');
  const f = db.prepare(
    `INSERT INTO failures (case_id, attempt_key, charge_id, code, decline_code, source, occurred_at, recorded_at)
     VALUES (?, ?, ?, 'card_declined', 'generic_decline', 'webhook', ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = `pi_open_${i}`;
      c.run(id, id, `cus_open_${i}`, Math.floor(now / 1000), now, now);
      a.run(id, id);
      f.run(id, `ch_open_${i}`, `ch_open_${i}`, now, now);
    }
  })();
}

function startDaemon(dir: string, dbPath: string): Promise<{ child: ChildProcess; url: string }> {
  mkdirSync(join(dir, 'outbox'), { recursive: true });
  const child = spawn(process.execPath, ['bin/billing-agent.js', 'run', '--port', '0', '--db', dbPath], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      PLANNER: 'rules',
      LOG_LEVEL: 'info',
      OUTBOX_DIR: join(dir, 'outbox'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('daemon did not start within 60 s')), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ child, url: match[1]! });
      }
    });
    child.once('exit', (code) => reject(new Error(`daemon exited (${code})`)));
  });
}

async function watch(dir: string, dbPath: string, ms: number) {
  const { child, url } = await startDaemon(dir, dbPath);
  const pid = child.pid!;
  const atStart = rssOf(pid);
  let peak = atStart.peakMb;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid).peakMb);
  }, 250);
  await new Promise((r) => setTimeout(r, ms / 2));
  const health = (await (await fetch(`${url}/healthz`)).json()) as Record<string, unknown>;
  const metricsOk = (await fetch(`${url}/metrics`)).ok;
  await new Promise((r) => setTimeout(r, ms / 2));
  clearInterval(timer);
  peak = Math.max(peak, rssOf(pid).peakMb);
  const current = rssOf(pid).currentMb;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return { peak, current, startMb: atStart.currentMb, health, metricsOk };
}

/** Runs the benchmark (the `bench/run.ts` entry). */
export async function run(): Promise<BenchResult> {
  const empty = benchDb('memory-empty');
  empty.db.close();
  const baseline = await watch(empty.dir, empty.path, BASELINE_MS);

  const full = benchDb('memory-full');
  const now = systemClock.now();
  seedCases(full.db, OPEN_CASES, now);
  storeEvents(
    full.db,
    Array.from({ length: INBOX }, (_, i) => failureEvent(i, { run: 'mem', createdMs: now })),
    systemClock,
    1000,
  );
  full.db.close();
  const loaded = await watch(full.dir, full.path, RUN_MS);
  const db = openDatabase(full.path);
  const decided = (db.prepare('SELECT count(*) AS n FROM decisions').get() as { n: number }).n;
  db.close();
  for (const d of [empty, full]) rmSync(d.dir, { recursive: true, force: true });

  return {
    name: 'memory',
    rows: [
      {
        name: 'peak RSS, 100,000 open cases + full inbox',
        value: round(loaded.peak, 0),
        unit: 'MiB',
        target: '< 300',
        comparison: `empty database: ${round(baseline.peak, 0)} MiB`,
      },
      { name: 'RSS at start-up (loaded db)', value: round(loaded.startMb, 0), unit: 'MiB' },
      { name: 'RSS at the end of the run', value: round(loaded.current, 0), unit: 'MiB' },
      {
        name: `inbox events decided in ${RUN_MS / 1000} s`,
        value: decided,
        unit: 'decisions',
        comparison: `of ${INBOX} pending, beside 100,000 open cases`,
      },
    ],
    notes: [
      machineNote(),
      'the daemon as users run it (rules planner, shadow mode: no Stripe key), a child process; peak = VmHWM',
      `healthz during the run: ${JSON.stringify(loaded.health)}; /metrics answered: ${loaded.metricsOk}`,
    ],
  };
}
