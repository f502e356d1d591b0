/**
 * The jobs table: work to carry out at a due time (UTC epoch ms). Inserts are idempotent on the
 * job's idempotency key, so deciding twice never schedules twice.
 */
import type { JobTool } from '../tools/schemas.ts';
import type { Db } from './db.ts';
import { stmt } from './statements.ts';

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
  const result = stmt(
    db,
    `INSERT INTO jobs (case_id, decision_id, tool, args_json, idempotency_key, due_at, state,
                         created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
       ON CONFLICT (idempotency_key) DO NOTHING`,
  ).run(
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
  return stmt(
    db,
    `UPDATE jobs SET state = 'canceled', last_error = ?, updated_at = ?, finished_at = ?
       WHERE case_id = ? AND state = 'pending' ${toolFilter}`,
  ).run(reason, now, now, caseId, ...(tools ?? [])).changes;
}

/** Every job of a case, oldest first. */
export function listJobs(db: Db, caseId: string): JobRow[] {
  return stmt(db, 'SELECT * FROM jobs WHERE case_id = ? ORDER BY id').all(caseId) as JobRow[];
}

/** A claimed job, as the runner sees it (its attempt counter already includes this run). */
export type ClaimedJob = JobRow & { state: 'running'; lease_owner: string; lease_until: number };

/**
 * Ids of jobs that may run now: pending and due, or running under a lease that has expired
 * (its worker died). Oldest due first.
 */
export function listRunnableJobIds(db: Db, now: number, limit: number): number[] {
  const rows = stmt(
    db,
    `SELECT id FROM jobs
       WHERE (state = 'pending' AND due_at <= @now) OR (state = 'running' AND lease_until < @now)
       ORDER BY due_at, id LIMIT @limit`,
  ).all({ now, limit }) as { id: number }[];
  return rows.map((r) => r.id);
}

/**
 * Claims one job for `owner` until `leaseUntil`; the guard in the WHERE clause makes two
 * claimers race safely (only one UPDATE matches). Returns the claimed row, or `undefined`.
 */
export function claimJob(
  db: Db,
  id: number,
  owner: string,
  now: number,
  leaseUntil: number,
): ClaimedJob | undefined {
  return stmt(
    db,
    `UPDATE jobs SET state = 'running', lease_owner = @owner, lease_until = @leaseUntil,
                       attempts = attempts + 1, updated_at = @now
       WHERE id = @id AND ((state = 'pending' AND due_at <= @now) OR (state = 'running' AND lease_until < @now))
       RETURNING *`,
  ).get({ id, owner, now, leaseUntil }) as ClaimedJob | undefined;
}

/** Finishes a job this owner holds (done, skipped or failed); false when the lease was lost. */
export function finishJob(
  db: Db,
  id: number,
  owner: string,
  state: Extract<JobState, 'done' | 'skipped' | 'failed'>,
  result: unknown,
  error: string | undefined,
  now: number,
): boolean {
  return (
    stmt(
      db,
      `UPDATE jobs SET state = ?, result_json = ?, last_error = ?, lease_owner = NULL, lease_until = NULL,
                         updated_at = ?, finished_at = ?
         WHERE id = ? AND state = 'running' AND lease_owner = ?`,
    ).run(state, result === undefined ? null : JSON.stringify(result), error ?? null, now, now, id, owner)
      .changes === 1
  );
}

/** Puts a job this owner holds back to pending, due at `dueAt` (a transient failure). */
export function rescheduleJob(
  db: Db,
  id: number,
  owner: string,
  dueAt: number,
  error: string,
  now: number,
): boolean {
  return (
    stmt(
      db,
      `UPDATE jobs SET state = 'pending', due_at = ?, last_error = ?, lease_owner = NULL, lease_until = NULL,
                         updated_at = ?
         WHERE id = ? AND state = 'running' AND lease_owner = ?`,
    ).run(Math.round(dueAt), error, now, id, owner).changes === 1
  );
}

/**
 * Gives back every lease `owner` still holds (shutdown): the jobs become pending again, due
 * now, with the attempt they used refunded, since they did not finish.
 */
export function releaseLeases(db: Db, owner: string, now: number): number {
  return stmt(
    db,
    `UPDATE jobs SET state = 'pending', lease_owner = NULL, lease_until = NULL,
                       attempts = MAX(attempts - 1, 0), updated_at = ?
       WHERE state = 'running' AND lease_owner = ?`,
  ).run(now, owner).changes;
}

/** One job by id. */
export function getJob(db: Db, id: number): JobRow | undefined {
  return stmt(db, 'SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
}

/** The job with this idempotency key. */
export function getJobByKey(db: Db, key: string): JobRow | undefined {
  return stmt(db, 'SELECT * FROM jobs WHERE idempotency_key = ?').get(key) as JobRow | undefined;
}

/** Jobs of a case for one tool, oldest first. */
export function listCaseJobs(db: Db, caseId: string, tool: JobTool): JobRow[] {
  return stmt(db, 'SELECT * FROM jobs WHERE case_id = ? AND tool = ? ORDER BY id').all(
    caseId,
    tool,
  ) as JobRow[];
}

/** How many jobs are in each state (health, metrics). */
export function countJobsByState(db: Db): Record<string, number> {
  const rows = stmt(db, 'SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as {
    state: string;
    n: number;
  }[];
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
