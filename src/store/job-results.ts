/**
 * The job results log: one appended row per job attempt, saying what it did (done, skipped,
 * declined, a transient or permanent error). Never updated; `audit` reads it back per case.
 */
import type { Db } from './db.ts';
import { stmt } from './statements.ts';

export type JobOutcome = 'done' | 'skipped' | 'declined' | 'transient_error' | 'permanent_error' | 'gave_up';

export type JobResultRow = {
  id: number;
  job_id: number;
  case_id: string;
  at: number;
  outcome: JobOutcome;
  detail_json: string | null;
};

/** Appends one attempt's result. */
export function appendJobResult(
  db: Db,
  row: { jobId: number; caseId: string; outcome: JobOutcome; detail?: unknown },
  now: number,
): number {
  const result = stmt(
    db,
    'INSERT INTO job_results (job_id, case_id, at, outcome, detail_json) VALUES (?, ?, ?, ?, ?)',
  ).run(
    row.jobId,
    row.caseId,
    now,
    row.outcome,
    row.detail === undefined ? null : JSON.stringify(row.detail),
  );
  return Number(result.lastInsertRowid);
}

/** Every result of a case, oldest first. */
export function listJobResults(db: Db, caseId: string): JobResultRow[] {
  return stmt(db, 'SELECT * FROM job_results WHERE case_id = ? ORDER BY id').all(caseId) as JobResultRow[];
}

/** Every result of one job, oldest first. */
export function listResultsOfJob(db: Db, jobId: number): JobResultRow[] {
  return stmt(db, 'SELECT * FROM job_results WHERE job_id = ? ORDER BY id').all(jobId) as JobResultRow[];
}
