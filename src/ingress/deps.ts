/** What every ingress route and reader is given: the database, settings, logger, metrics and clock. */
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Db } from '../store/db.ts';

/** Dependencies of the ingress; `health` lets the daemon add worker and scheduler facts to `/healthz`. */
export type IngressDeps = {
  db: Db;
  config: Config;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  health?: () => Record<string, unknown>;
};

/** The `route` label of `billing_agent_events_received_total`. */
export type RouteLabel = 'kite' | 'stripe' | 'socket' | 'file';
