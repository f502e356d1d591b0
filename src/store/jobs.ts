/**
 * The jobs table: work to carry out at a due time (UTC epoch ms). Inserts are idempotent on the
 * job's idempotency key, so deciding twice never schedules twice.
 */
import type { JobTool } from '../tools/schemas.ts';
import type { Db } from './db.ts';

export type JobState = 'pending' | 'running' | 'done' | 'failed' | 'canceled' | 'skipped';

export type JobRow = {
  id: number;
  case_id: string;
  decision_id: number | null;
  tool: JobTool;
  args_json: string;
  idempotency_key: string;
  due_at: number;
  state: JobState;
  attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  result_json: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
};

export type NewJob = {
  caseId: string;
  decisionId?: number | undefined;
  tool: JobTool;
  args: unknown;
  idempotencyKey: string;
  dueAt: number;
};

/** Inserts a pending job; returns its id, or `undefined` when the key already exists. */
export function insertJob(db: Db, job: NewJob, now: number): number | undefined {
  const result = db
    .prepare(
      `INSERT INTO jobs (case_id, decision_id, tool, args_json, idempotency_key, due_at, state,
                         created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
       ON CONFLICT (idempotency_key) DO NOTHING`,
    )
    .run(
      job.caseId,
      job.decisionId ?? null,
      job.tool,
      JSON.stringify(job.args),
      job.idempotencyKey,
      Math.round(job.dueAt),
      now,
      now,
    );
  return result.changes === 1 ? Number(result.lastInsertRowid) : undefined;
}

/** Cancels every pending job of a case (the case closed); returns how many. */
export function cancelPendingJobs(
  db: Db,
  caseId: string,
  reason: string,
  now: number,
  tools?: JobTool[],
): number {
  const toolFilter = tools?.length ? `AND tool IN (${tools.map(() => '?').join(',')})` : '';
  return db
    .prepare(
      `UPDATE jobs SET state = 'canceled', last_error = ?, updated_at = ?, finished_at = ?
       WHERE case_id = ? AND state = 'pending' ${toolFilter}`,
    )
    .run(reason, now, now, caseId, ...(tools ?? [])).changes;
}

/** Every job of a case, oldest first. */
export function listJobs(db: Db, caseId: string): JobRow[] {
  return db.prepare('SELECT * FROM jobs WHERE case_id = ? ORDER BY id').all(caseId) as JobRow[];
}
