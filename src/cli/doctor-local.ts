/**
 * `doctor` checks that need no network: the database takes writes, the disk under it has
 * room, and the inbound routes are protected as the configuration requires.
 */
import { accessSync, constants, existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadPolicy } from '../agent/policy.ts';
import { type Config, ConfigError } from '../config.ts';
import { probeDatabaseWritable } from '../store/db-probe.ts';
import { type Check, errorText, ok, problem, skipped } from './doctor-check.ts';

/** Free space below which the disk check is a problem. */
export const MIN_FREE_BYTES = 200 * 1024 * 1024;

/** The path itself or its closest ancestor that exists. */
function nearestExisting(path: string): string {
  let current = resolve(path);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

const formatBytes = (n: number) =>
  n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;

/** The local checks for `config`. */
export function localChecks(config: Config): Check[] {
  const dbPath = config.databasePath;
  return [
    {
      name: 'policy',
      async run() {
        if (!config.policyFile)
          return ok('embedded default: notify and retry in 30m, then 24h, escalate at 3');
        try {
          const policy = loadPolicy(config.policyFile);
          return ok(
            `${config.policyFile}: retries after ${policy.retryDelays.join(', ')}, escalate at ${policy.escalateAfterFailures}`,
          );
        } catch (error) {
          const detail = error instanceof ConfigError ? error.problems.join('; ') : errorText(error);
          return problem(detail, 'fix the policy file (see the README, Policy and guardrails)');
        }
      },
    },
    {
      name: 'database writable',
      async run(timeoutMs) {
        if (!existsSync(dbPath)) {
          const folder = nearestExisting(dirname(dbPath));
          try {
            accessSync(folder, constants.W_OK);
          } catch {
            return problem(
              `${dbPath} does not exist and ${folder} is not writable`,
              'choose --db / DATABASE_PATH',
            );
          }
          return ok(`${dbPath} does not exist yet; it will be created at start`);
        }
        try {
          const probe = probeDatabaseWritable(dbPath, Math.min(timeoutMs, 2000));
          const pending = probe.latestVersion - probe.schemaVersion;
          if (pending < 0) {
            return problem(
              `schema ${probe.schemaVersion} is newer than this build knows`,
              'upgrade billing-agent',
            );
          }
          return ok(
            `${dbPath} takes writes${pending > 0 ? `; ${pending} migration(s) will run at start` : ''}`,
          );
        } catch (error) {
          return problem(
            `${dbPath}: ${errorText(error)}`,
            'check the file permissions, or whether it is a database',
          );
        }
      },
    },
    {
      name: 'disk space',
      async run() {
        const folder = nearestExisting(dirname(dbPath));
        const stats = statfsSync(folder);
        const free = Number(stats.bavail) * Number(stats.bsize);
        if (free < MIN_FREE_BYTES) {
          return problem(`${formatBytes(free)} free under ${folder}`, 'free disk space or move the database');
        }
        return ok(`${formatBytes(free)} free under ${folder}`);
      },
    },
    {
      name: 'kite token',
      async run() {
        if (config.kiteToken) return ok('POST /webhook/<token> requires the token');
        if (isLoopback(config.host)) return skipped(`not set; listening on ${config.host} only`);
        return problem(
          `POST /webhook on ${config.host} accepts anyone who can reach it`,
          'set KITE_TOKEN and put it in the kite proxy --target URL',
        );
      },
    },
    {
      name: 'stripe webhook secret',
      async run() {
        const n = config.stripeWebhookSecrets.length;
        if (n > 0) return ok(`${n} signing secret${n === 1 ? '' : 's'} for POST /stripe/webhook`);
        if (isLoopback(config.host) || config.kiteToken) {
          return skipped(
            'not set; direct Stripe deliveries are refused',
            'set STRIPE_WEBHOOK_SECRET to use them',
          );
        }
        return problem(
          'not set, and no Kite token either: nothing authenticates incoming events',
          'set STRIPE_WEBHOOK_SECRET (whsec_…) or KITE_TOKEN',
        );
      },
    },
  ];
}
