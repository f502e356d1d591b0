/**
 * `GET /healthz` and `GET /metrics`. Health answers 503 only when the database cannot be read
 * (the one fault a restart may cure). A Slack or SMTP configuration fault makes `ok` false and
 * is listed in `problems`, but the status stays 200: a broken channel must be visible, and must
 * not make an orchestrator restart a daemon that is still storing every event.
 */
import express from 'express';
import { getMeta, META_KEYS } from '../store/meta.ts';
import { inboxBacklog } from '../store/inbox.ts';
import type { IngressDeps } from './deps.ts';

/** Mounts `/healthz` and `/metrics` on a router. */
export function healthRouter(deps: IngressDeps): express.Router {
  const router = express.Router();

  router.get('/healthz', (_req, res) => {
    const body = healthReport(deps);
    res.status(body.database === 'ok' ? 200 : 503).json(body);
  });

  router.get('/metrics', async (_req, res) => {
    try {
      deps.metrics.inboxBacklog.set(inboxBacklog(deps.db).backlog);
    } catch (error) {
      deps.log.warn({ err: error }, 'inbox backlog unavailable for metrics');
    }
    res.set('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return router;
}

/** The `/healthz` document: database, inbox backlog, configuration faults, and the daemon's own facts. */
export function healthReport(deps: IngressDeps): Record<string, unknown> & { ok: boolean; database: string } {
  const problems: string[] = [];
  let database = 'ok';
  let backlog: number | undefined;
  let oldestAge: number | undefined;
  let slack: unknown = 'ok';
  let smtp: unknown = 'ok';
  try {
    const inbox = inboxBacklog(deps.db);
    backlog = inbox.backlog;
    oldestAge =
      inbox.oldestPendingReceivedAt === undefined
        ? 0
        : Math.max(0, Math.floor((deps.clock.now() - inbox.oldestPendingReceivedAt) / 1000));
    // A service that is not configured is not a fault: its work is kept in SQLite or the outbox.
    slack =
      getMeta(deps.db, META_KEYS.slackConfigFault) ?? (deps.config.slackBotToken ? 'ok' : 'not configured');
    smtp = getMeta(deps.db, META_KEYS.smtpConfigFault) ?? (deps.config.smtpUrl ? 'ok' : 'not configured');
  } catch (error) {
    database = `unreachable: ${(error as Error).message}`;
    problems.push(`database ${database}`);
  }
  if (typeof slack === 'object') problems.push(`slack: ${faultText(slack)}`);
  if (typeof smtp === 'object') problems.push(`smtp: ${faultText(smtp)}`);

  const extra = deps.health?.() ?? {};
  const extraProblems = Array.isArray(extra.problems) ? extra.problems.map(String) : [];
  const allProblems = [...problems, ...extraProblems];
  return {
    database,
    inboxBacklog: backlog,
    oldestPendingAgeSeconds: oldestAge,
    slack,
    smtp,
    ...extra,
    ok: allProblems.length === 0 && extra.ok !== false,
    problems: allProblems,
  };
}

function faultText(fault: unknown): string {
  if (typeof fault === 'object' && fault !== null && 'error' in fault) return String(fault.error);
  return String(fault);
}
