/**
 * A real ingress for tests: a SQLite file in a fresh temp folder, the HTTP server on
 * 127.0.0.1 port 0, captured log lines, and helpers to sign and post deliveries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { type Clock, systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import type { IngressDeps } from '../../src/ingress/deps.ts';
import { startHttpServer } from '../../src/ingress/server.ts';
import { makeLogger } from '../../src/log.ts';
import { makeMetrics } from '../../src/metrics.ts';
import { type Db, openDatabase } from '../../src/store/db.ts';
import type { InboxRow } from '../../src/store/inbox.ts';

export const TEST_SECRET = 'whsec_test_ingress_secret_1';

/** A started ingress and what a test needs to inspect it. */
export type Harness = {
  url: string;
  db: Db;
  deps: IngressDeps;
  logs: Record<string, unknown>[];
  rows(): InboxRow[];
  close(): Promise<void>;
};

/** Starts a real server on 127.0.0.1:0 with its own database file. */
export async function startHarness(
  env: Record<string, string> = {},
  options: { clock?: Clock; health?: () => Record<string, unknown> } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'ingress-'));
  const db = openDatabase(join(dir, 'test.db'));
  const deps = makeDeps(
    db,
    { HOST: '127.0.0.1', PORT: '0', STRIPE_WEBHOOK_SECRET: TEST_SECRET, ...env },
    options,
  );
  const server = await startHttpServer(deps);
  return {
    url: server.url,
    db,
    deps,
    logs: (deps as IngressDeps & { logs: Record<string, unknown>[] }).logs,
    rows: () => db.prepare('SELECT * FROM inbox ORDER BY id').all() as InboxRow[],
    async close() {
      await server.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ingress dependencies over `db` with captured logs (in `logs`). */
export function makeDeps(
  db: Db,
  env: Record<string, string>,
  options: { clock?: Clock; health?: () => Record<string, unknown> } = {},
): IngressDeps & { logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const log = makeLogger({
    level: 'debug',
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const deps: IngressDeps & { logs: Record<string, unknown>[] } = {
    db,
    config: loadConfig({}, env),
    log,
    metrics: makeMetrics(),
    clock: options.clock ?? systemClock,
    logs,
  };
  if (options.health) deps.health = options.health;
  return deps;
}

/** A `Stripe-Signature` header for `payload`, signed at `timestampSeconds` (default now). */
export function signHeader(payload: string, secret = TEST_SECRET, timestampSeconds?: number): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestampSeconds === undefined ? {} : { timestamp: timestampSeconds }),
  });
}

/** Posts a signed delivery to `/stripe/webhook` (`header: null` sends none). */
export function postStripe(url: string, payload: string, header: string | null = signHeader(payload)) {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (header !== null) headers['stripe-signature'] = header;
  return fetch(`${url}/stripe/webhook`, { method: 'POST', headers, body: payload });
}

/** Posts to the Kite route (`path` defaults to `/webhook`). */
export function postKite(url: string, body: string, headers: Record<string, string>, path = '/webhook') {
  return fetch(`${url}${path}`, { method: 'POST', headers, body });
}
