/**
 * Decisions through the Claude planner (real `@anthropic-ai/sdk`, the daemon's planner with its
 * rules fallback) against the local fake Messages API, which answers every call after a fixed
 * 800 ms and returns 429 with `retry-after: 1` beyond a set rate per second. Two concurrencies
 * side by side in one run: the chosen one (below the rate limit) and one four times higher
 * (above it), each over its own backlog of first failures. Reported: throughput, how the backlog
 * drains, that every event got a decision, how many fell back to the rules planner, and tokens
 * per decision with the share of input served from the prompt cache once the prefix is cached.
 * Counts are small (a few hundred per run) so the whole module takes about a minute.
 */
import { rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.ts';
import { makePlanner } from '../src/agent/make-planner.ts';
import { processPending } from '../src/agent/worker.ts';
import { startFakeAnthropic, toolUse } from '../src/fakes/fake-anthropic.ts';
import { silentLogger } from '../src/log.ts';
import { countPendingInbox } from '../src/store/inbox.ts';
import type { BenchResult, BenchRow } from './result.ts';
import { benchDb, failureEvent, machineNote, round, storeEvents, workerDeps } from './support.ts';
import { systemClock } from '../src/clock.ts';

const MODEL_DELAY_MS = 800;
const RATE_LIMIT_PER_S = 12;
const CHOSEN_CONCURRENCY = 8;
const CASES_PER_RUN = 240;
/** Anthropic's documented minimum cacheable prefix for Sonnet 4.x models. */
const MIN_CACHEABLE_TOKENS = 1024;

type Usage = { input: number; output: number; cacheRead: number; cacheWrite: number };

/**
 * The slow, rate-limited front of the fake: answers 429 with `retry-after: 1` beyond the rate,
 * else waits the fixed delay and forwards to the fake (which does the usage and caching counts).
 * The fake rate-limits per scripted reply; this front limits by wall-clock window, as the API does.
 */
async function startSlowFront(target: string) {
  let windowStart = 0;
  let inWindow = 0;
  const stats = { ok: 0, limited: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        inWindow = 0;
      }
      inWindow += 1;
      if (inWindow > RATE_LIMIT_PER_S) {
        stats.limited += 1;
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(
          JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } }),
        );
        return;
      }
      stats.ok += 1;
      setTimeout(() => {
        const headers = { ...req.headers, host: new URL(target).host };
        const upstream = request(`${target}${req.url}`, { method: req.method, headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        upstream.end(Buffer.concat(chunks));
      }, MODEL_DELAY_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const PROPOSAL = toolUse([
  { name: 'notify_customer', input: { template: 'first_failure', rationale: 'first soft decline' } },
  { name: 'retry_payment', input: { delay_seconds: 1800, rationale: 'soft decline; retry later' } },
]);

async function measure(concurrency: number, label: string) {
  const fake = await startFakeAnthropic({ responder: () => PROPOSAL });
  const limiter = await startSlowFront(fake.url);
  const { dir, db } = benchDb(`model-${label}`);
  const config = loadConfig({}, { ANTHROPIC_API_KEY: 'sk-ant-bench', ANTHROPIC_BASE_URL: limiter.url });
  const planner = makePlanner(config, silentLogger);
  const deps = workerDeps(db, { planner, concurrency });
  storeEvents(
    db,
    Array.from({ length: CASES_PER_RUN }, (_, i) => failureEvent(i, { run: label })),
    systemClock,
  );
  const start = performance.now();
  const drain: string[] = [];
  const sampler = setInterval(() => {
    drain.push(`${round((performance.now() - start) / 1000, 0)}s:${countPendingInbox(db)}`);
  }, 5000);
  while ((await processPending(deps, 1000)) > 0) {}
  clearInterval(sampler);
  const seconds = (performance.now() - start) / 1000;
  const decided = db
    .prepare(
      `SELECT planner, fallback_reason AS fallback, gen_ai_usage_input_tokens AS input,
              gen_ai_usage_output_tokens AS output, gen_ai_usage_cache_read_input_tokens AS cacheRead,
              gen_ai_usage_cache_creation_input_tokens AS cacheWrite
       FROM decisions ORDER BY id`,
    )
    .all() as ({ planner: string; fallback: string | null } & Usage)[];
  const byModel = decided.filter((d) => d.fallback === null && d.input !== null);
  const steady = byModel.slice(1);
  const sum = (rows: Usage[], k: keyof Usage) => rows.reduce((a, r) => a + (r[k] ?? 0), 0);
  const allInput = sum(steady, 'input') + sum(steady, 'cacheRead') + sum(steady, 'cacheWrite');
  const first = fake.requests[0]?.body;
  const prefixTokens = Math.ceil(JSON.stringify([first?.tools ?? null, first?.system ?? null]).length / 4);
  const result = {
    concurrency,
    seconds,
    decisions: decided.length,
    pendingLeft: countPendingInbox(db),
    byModel: byModel.length,
    fallbacks: decided.length - byModel.length,
    requests: limiter.stats.ok + limiter.stats.limited,
    limited: limiter.stats.limited,
    perDecision: {
      input: sum(byModel, 'input') / byModel.length,
      output: sum(byModel, 'output') / byModel.length,
      cacheRead: sum(byModel, 'cacheRead') / byModel.length,
      cacheWrite: sum(byModel, 'cacheWrite') / byModel.length,
    },
    cacheShare: allInput > 0 ? sum(steady, 'cacheRead') / allInput : 0,
    marked: JSON.stringify(first ?? {}).includes('"cache_control"'),
    prefixTokens,
    drain,
  };
  db.close();
  await limiter.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/** Runs the benchmark (the `bench/run.ts` entry). */
export async function run(): Promise<BenchResult> {
  const chosen = await measure(CHOSEN_CONCURRENCY, 'chosen');
  const over = await measure(CHOSEN_CONCURRENCY * 4, 'over');
  const rows: BenchRow[] = [];
  for (const [tag, r] of [
    ['chosen', chosen],
    ['4x', over],
  ] as const) {
    const prefix = `c=${r.concurrency} (${tag})`;
    rows.push(
      {
        name: `${prefix}: decisions/s`,
        value: round(r.decisions / r.seconds, 2),
        unit: 'decisions/s',
        comparison: `model-call ceiling ${round(Math.min(RATE_LIMIT_PER_S, (r.concurrency * 1000) / MODEL_DELAY_MS), 1)}/s; ${r.fallbacks} decided by rules`,
      },
      {
        name: `${prefix}: decisions recorded`,
        value: r.decisions,
        unit: 'decisions',
        target: `${CASES_PER_RUN}, none lost`,
        comparison: `${r.pendingLeft} left pending`,
      },
      {
        name: `${prefix}: by the model / rules fallback`,
        value: r.byModel,
        unit: 'decisions',
        comparison: `${r.fallbacks} fell back to rules`,
      },
      {
        name: `${prefix}: 429 answers`,
        value: r.limited,
        unit: 'responses',
        comparison: `of ${r.requests} model requests`,
      },
    );
  }
  const c = chosen;
  rows.push(
    { name: 'input tokens (uncached) / decision', value: round(c.perDecision.input, 0), unit: 'tokens' },
    { name: 'output tokens / decision', value: round(c.perDecision.output, 0), unit: 'tokens' },
    { name: 'cache-read tokens / decision', value: round(c.perDecision.cacheRead, 0), unit: 'tokens' },
    { name: 'cache-write tokens / decision', value: round(c.perDecision.cacheWrite, 1), unit: 'tokens' },
    {
      name: 'input served from cache (steady)',
      value: round(c.cacheShare * 100, 1),
      unit: '%',
      target: '>= 70',
      comparison: `4x run: ${round(over.cacheShare * 100, 1)}%`,
    },
    {
      name: 'cached prefix (tools + policy), estimated',
      value: c.prefixTokens,
      unit: 'tokens',
      target: `>= ${MIN_CACHEABLE_TOKENS} to be cached by Sonnet 4.x`,
      comparison: c.marked ? 'cache_control set on the prefix' : 'NO cache_control in the request',
    },
  );
  return {
    name: 'model',
    rows,
    notes: [
      machineNote(),
      `fake Messages API: ${MODEL_DELAY_MS} ms per answer, 429 with retry-after: 1 beyond ${RATE_LIMIT_PER_S} requests/s; SDK maxRetries 2 (the planner's default)`,
      `${CASES_PER_RUN} first failures per run (small on purpose: about a minute in all)`,
      `backlog left (time:pending) c=${chosen.concurrency}: ${chosen.drain.join(' ')}`,
      `backlog left (time:pending) c=${over.concurrency}: ${over.drain.join(' ')}`,
      'token counts are the fake’s estimate (characters / 4); it reports the tools + system prefix as cached from its second request on, whatever its size, while the real API caches nothing below the model’s minimum prefix',
    ],
  };
}
