/**
 * The HTTP application: Kite's route, Stripe's route, health and metrics. Every answer is JSON
 * (never express's HTML error page, never a 3xx) and is sent right after the inbox commit:
 * the ingress never calls the agent, which reads the inbox on its own.
 */
import express, { type ErrorRequestHandler } from 'express';
import type { IngressDeps, RouteLabel } from './deps.ts';
import { healthRouter } from './health-route.ts';
import { InboxWriter } from './inbox-writer.ts';
import { kiteRouter } from './kite-route.ts';
import { type Refusal, RefusalMemory, recordRefusal, sendRefusal } from './respond.ts';
import { stripeRouter } from './stripe-route.ts';

export type { IngressDeps } from './deps.ts';

/**
 * Builds the express application.
 *
 * @example
 * const app = createApp({ db, config, log, metrics, clock: systemClock });
 * app.listen(3001, '127.0.0.1');
 */
export function createApp(deps: IngressDeps): express.Express {
  const app = express();
  const memory = new RefusalMemory();
  const ctx = { memory, writer: new InboxWriter(deps.db) };
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(healthRouter(deps));
  app.use(kiteRouter(deps, ctx));
  app.use(stripeRouter(deps, ctx));

  app.use((req, res) => {
    const refusal: Refusal = {
      status: 404,
      error: 'not_found',
      reason: `no route for ${req.method} ${safePath(req.path)}`,
      route: routeName(req.path),
    };
    recordRefusal(deps, memory, refusal);
    sendRefusal(res, refusal);
  });

  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const route = routeName(req.path);
    const status = typeof error?.status === 'number' ? error.status : 500;
    const refusal = bodyErrorRefusal(error, status, route);
    if (!refusal) {
      deps.log.error({ err: error, route }, 'request failed');
      if (!res.headersSent) res.status(500).json({ error: 'internal', reason: 'internal error' });
      return;
    }
    recordRefusal(deps, memory, refusal);
    if (!res.headersSent) sendRefusal(res, refusal);
  };
  app.use(onError);
  return app;
}

/** The metric label for a path; paths are never logged whole because the Kite token is in them. */
function routeName(path: string): RouteLabel | undefined {
  if (path === '/stripe/webhook' || path === '/stripe/webhook/') return 'stripe';
  if (path === '/webhook' || path.startsWith('/webhook/')) return 'kite';
  return undefined;
}

/** The path as it may be logged: the Kite token segment is masked and long paths are cut. */
function safePath(path: string): string {
  if (path.startsWith('/webhook/')) return '/webhook/…';
  return path.length > 100 ? `${path.slice(0, 100)}…` : path;
}

function bodyErrorRefusal(error: { type?: string }, status: number, route: RouteLabel | undefined) {
  if (status === 413 || error.type === 'entity.too.large') {
    return { status: 413, error: 'too_large', reason: 'body larger than 1 MiB', route } satisfies Refusal;
  }
  if (status === 415) {
    return {
      status: 415,
      error: 'unsupported_media_type',
      reason: 'unsupported content encoding',
      route,
    } satisfies Refusal;
  }
  if (status >= 400 && status < 500) {
    return {
      status: 400,
      error: 'bad_request',
      reason: error.type ?? 'bad request',
      route,
    } satisfies Refusal;
  }
  return undefined;
}
