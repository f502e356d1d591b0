/**
 * Reads `kite listen --socket PATH`: the daemon connects to Kite's Unix socket as a client and
 * stores every NDJSON line (a structured CloudEvent) with transport `socket`. It reconnects
 * with capped exponential backoff. This path cannot acknowledge anything to Kite, so it is at
 * most once: an event Kite writes while the daemon is away or slow is lost. `POST /webhook`
 * (`kite proxy`) is the recommended route.
 */
import { connect, type Socket } from 'node:net';
import { StorageError } from './accept.ts';
import type { IngressDeps } from './deps.ts';
import { acceptLine } from './ingest-lines.ts';
import { type Line, LineSplitter } from './line-reader.ts';

/** Reconnect and storage-retry timing (tests shorten it). */
export type SocketRetry = { initialMs: number; maxMs: number; storeAttempts: number };

export const DEFAULT_SOCKET_RETRY: SocketRetry = { initialMs: 1_000, maxMs: 30_000, storeAttempts: 20 };

/** A running reader. */
export type SocketReader = { stop(): Promise<void> };

/**
 * Starts reading; never throws for an absent socket (it keeps trying to connect).
 *
 * @example
 * const reader = startSocketReader({ ...deps, path: '/tmp/kite.sock' });
 * await reader.stop();
 */
// Limitation: Kite's socket cannot be acknowledged, so events written while the daemon is away,
// or skipped by Kite because this reader was slow, are lost; nothing here fills such gaps.
export function startSocketReader(deps: IngressDeps & { path: string; retry?: SocketRetry }): SocketReader {
  const retry = deps.retry ?? DEFAULT_SOCKET_RETRY;
  const log = deps.log.child({ socket: deps.path });
  let stopped = false;
  let delay = retry.initialMs;
  let socket: Socket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed: Promise<void> = Promise.resolve();
  const queue: Line[] = [];
  let draining = false;

  log.warn('kite socket reader is at most once: prefer kite proxy to POST /webhook');

  const drain = async (current: Socket) => {
    if (draining) return;
    draining = true;
    try {
      while (queue.length > 0 && !stopped) {
        const line = queue[0]!;
        if (await storeWithRetry(line)) queue.shift();
        else return;
      }
      current.resume();
    } finally {
      draining = false;
    }
  };

  const storeWithRetry = async (line: Line): Promise<boolean> => {
    for (let attempt = 1; attempt <= retry.storeAttempts && !stopped; attempt++) {
      try {
        storeLine(deps, log, line);
        return true;
      } catch (error) {
        if (!(error instanceof StorageError)) throw error;
        await sleep(Math.min(retry.initialMs * 2 ** (attempt - 1), retry.maxMs));
      }
    }
    if (!stopped) log.error({ line: line.number }, 'socket line lost: inbox unwritable');
    return true;
  };

  const open = () => {
    if (stopped) return;
    const splitter = new LineSplitter();
    const current = connect({ path: deps.path });
    socket = current;
    closed = new Promise((resolve) => current.once('close', () => resolve()));
    current.on('connect', () => {
      delay = retry.initialMs;
      log.info('kite socket connected');
    });
    current.on('data', (chunk: Buffer) => {
      queue.push(...splitter.push(chunk));
      if (queue.length > 0) {
        current.pause();
        void drain(current);
      }
    });
    current.on('error', (error) => log.debug({ err: error }, 'kite socket error'));
    current.on('close', () => {
      const last = splitter.end();
      if (last) queue.push(last);
      if (queue.length > 0) void drain(current);
      if (stopped) return;
      log.info({ retryInMs: delay }, 'kite socket closed, reconnecting');
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, retry.maxMs);
    });
  };
  open();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      socket?.destroy();
      await closed;
    },
  };
}

function storeLine(deps: IngressDeps, log: IngressDeps['log'], line: Line): void {
  if (line.tooLong) {
    deps.metrics.eventsReceived.inc({ route: 'socket', outcome: 'invalid' });
    log.warn({ line: line.number }, 'socket line too long, skipped');
    return;
  }
  if (line.text.trim() === '') return;
  const outcome = acceptLine(deps, 'socket', 'socket', line.text);
  if (outcome.kind === 'refused')
    log.warn({ line: line.number, reason: outcome.reason }, 'socket line not stored: not an event');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
