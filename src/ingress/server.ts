/**
 * The HTTP server around {@link createApp}: binds `config.host`/`config.port` (port 0 picks a
 * free one), bounds how long a slow client may take, and closes gracefully: it stops accepting,
 * lets in-flight requests finish (bounded), then drops what is left.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import type { IngressDeps } from './deps.ts';

/** Milliseconds a client has to send its headers, and its whole request. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** Milliseconds an idle keep-alive connection is kept. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Milliseconds `close()` waits for in-flight requests before dropping their connections. */
export const CLOSE_GRACE_MS = 5_000;

/** A running server. */
export type HttpServer = { port: number; url: string; close(): Promise<void> };

/**
 * Starts the server and resolves once it listens.
 *
 * @example
 * const server = await startHttpServer(deps);
 * console.log(server.url); // http://127.0.0.1:3001
 * await server.close();
 */
export async function startHttpServer(deps: IngressDeps): Promise<HttpServer> {
  const { host, port } = deps.config;
  if (!deps.config.kiteToken && !isLoopback(host)) {
    deps.log.warn(
      { host },
      'KITE_TOKEN is not set and the server listens beyond loopback: anyone can post events',
    );
  }
  const server = createServer(createApp(deps));
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;
  deps.log.info({ url }, 'http server listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { port: address.port, url, close };
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
