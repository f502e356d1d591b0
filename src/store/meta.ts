/**
 * Small facts the daemon keeps about itself, by key: configuration faults seen at run time
 * (shown by `/healthz`), storm state, and the like. Values are JSON.
 */
import type { Db } from './db.ts';
import { stmt } from './statements.ts';

/** Keys in use; add new ones here so every reader finds them. */
export const META_KEYS = {
  /** `{ error, at }` when Slack answered channel_not_found / not_in_channel / invalid_auth. */
  slackConfigFault: 'slack_config_fault',
  /** `{ error, at }` when SMTP refused our credentials. */
  smtpConfigFault: 'smtp_config_fault',
  /** `{ since, until, count }` while a processing-error storm is being held back. */
  storm: 'storm',
} as const;

export function getMeta<T = unknown>(db: Db, key: string): T | undefined {
  const row = stmt(db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : undefined;
}

export function setMeta(db: Db, key: string, value: unknown, now: number): void {
  stmt(
    db,
    `INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(key, JSON.stringify(value), now);
}

export function deleteMeta(db: Db, key: string): void {
  stmt(db, 'DELETE FROM meta WHERE key = ?').run(key);
}
