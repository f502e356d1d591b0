/**
 * The worker: takes pending inbox rows in id order and decides. Rows that share any id (the
 * payment, its invoice, charges, the customer) are handled one after the other, so a case never
 * has two decisions at once; unrelated cases run concurrently up to `workerConcurrency`. Each
 * row ends `done` (a decision was recorded) or `skipped` with a reason, written in the same
 * transaction as the decision, its failure rows and its jobs: a crash leaves the row pending.
 */
import { workerConcurrency } from '../config.ts';
import { isFailureType, readEventFacts } from './facts.ts';
import type { InboxRow } from '../store/inbox.ts';
import { finishInboxRow, listPendingInbox } from '../store/inbox-claims.ts';
import { serialIds } from './cases.ts';
import { CARD_UPDATE_TYPES, handleCardUpdate } from './handle-card-update.ts';
import { handleFailure } from './handle-failure.ts';
import { handleTerminal, TERMINAL_TYPES } from './handle-terminal.ts';
import { skipRow } from './outcome.ts';
import type { RowOutcome, WorkerDeps } from './worker-types.ts';

export type { WorkerDeps } from './worker-types.ts';

/**
 * Processes the pending rows available now (at most `limit`) and resolves once each is recorded.
 * Returns how many rows it handled.
 *
 * @example
 * await processPending(deps); // tests, the bench and the demo
 */
export async function processPending(deps: WorkerDeps, limit = 1000): Promise<number> {
  const rows = listPendingInbox(deps.db, limit);
  if (rows.length === 0) return 0;
  const groups = groupRows(rows);
  const concurrency = Math.max(1, deps.concurrency ?? workerConcurrency(deps.config));
  let next = 0;
  const lane = async () => {
    while (next < groups.length) {
      const group = groups[next++]!;
      for (const row of group) await handleRow(deps, row);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, lane));
  return rows.length;
}

/**
 * Starts the polling loop. `stop()` lets the decisions in flight finish, then resolves.
 *
 * @example
 * const worker = startWorker(deps);
 * await worker.stop();
 */
export function startWorker(deps: WorkerDeps): { stop(): Promise<void> } {
  const pollMs = deps.pollMs ?? 200;
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      let handled = 0;
      try {
        handled = await processPending(deps, 200);
      } catch (error) {
        deps.log.error({ err: error }, 'worker pass failed');
      }
      if (handled === 0 && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

/** Handles one row; an unexpected error marks it failed (with the error) so it does not block the inbox. */
export async function handleRow(deps: WorkerDeps, row: InboxRow): Promise<RowOutcome> {
  try {
    const outcome = await route(deps, row);
    deps.log.debug({ inboxId: row.id, ...outcome }, 'inbox row handled');
    return outcome;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw error;
    deps.log.error({ inboxId: row.id, err: error }, 'inbox row failed');
    const reason = `error: ${(error as Error).message}`.slice(0, 500);
    finishInboxRow(deps.db, row.id, { status: 'failed', reason }, deps.clock.now());
    return { status: 'failed', reason, caseId: null };
  }
}

async function route(deps: WorkerDeps, row: InboxRow): Promise<RowOutcome> {
  const now = deps.clock.now();
  const event = row.event_json ? (JSON.parse(row.event_json) as unknown) : undefined;
  if (!event) return skipRow(deps.db, row.id, 'no event body', null, now);
  const facts = readEventFacts(event);
  if (isFailureType(facts.type)) return handleFailure(deps, row, facts);
  if (TERMINAL_TYPES.has(facts.type)) return handleTerminal(deps, row, facts);
  if (CARD_UPDATE_TYPES.has(facts.type)) return handleCardUpdate(deps, row, facts, event);
  return skipRow(deps.db, row.id, `not a dunning event: ${facts.type || 'no type'}`, null, now);
}

/** Groups rows into chains that share an id (union-find), each chain in id order. */
function groupRows(rows: InboxRow[]): InboxRow[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  const keys = rows.map((row) => {
    const own = `row:${row.id}`;
    parent.set(own, own);
    let ids: string[] = [];
    try {
      ids = row.event_json ? serialIds(readEventFacts(JSON.parse(row.event_json))) : [];
    } catch {
      ids = [];
    }
    if (row.object_id) ids.push(row.object_id);
    for (const id of ids) {
      if (!parent.has(id)) parent.set(id, id);
      union(own, id);
    }
    return own;
  });
  const groups = new Map<string, InboxRow[]>();
  rows.forEach((row, i) => {
    const root = find(keys[i]!);
    groups.set(root, [...(groups.get(root) ?? []), row]);
  });
  return [...groups.values()];
}
