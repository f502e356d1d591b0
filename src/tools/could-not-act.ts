/**
 * "The agent could not act": when a job gives up, a person must find out. This schedules an
 * escalation for the case, or, when the case already has one, a reply in its thread. Jobs that
 * are themselves part of an escalation never raise another (that would loop).
 */
import type { Db } from '../store/db.ts';
import { getJobByKey, insertJob, type JobRow } from '../store/jobs.ts';
import { type EscalateJobArgs, jobKeys, type SlackReplyJobArgs } from './schemas.ts';

/** Schedules the could-not-act escalation (or thread reply) for a job that gave up; due now. */
export function raiseCouldNotAct(db: Db, job: JobRow, reason: string, now: number): void {
  if (job.tool === 'escalate_to_human' || job.tool === 'slack_reply') return;
  const text = `The agent could not act: ${job.tool} (job ${job.id}) failed: ${reason}`;
  if (!getJobByKey(db, jobKeys.escalate(job.case_id))) {
    const args: EscalateJobArgs = { kind: 'could_not_act', reason: text, urgency: 'high' };
    insertJob(
      db,
      {
        caseId: job.case_id,
        tool: 'escalate_to_human',
        args,
        idempotencyKey: jobKeys.escalate(job.case_id),
        dueAt: now,
      },
      now,
    );
    return;
  }
  const args: SlackReplyJobArgs = { event: 'note', text };
  insertJob(
    db,
    {
      caseId: job.case_id,
      tool: 'slack_reply',
      args,
      idempotencyKey: jobKeys.reply(job.case_id, `could_not_act:${job.id}`),
      dueAt: now,
    },
    now,
  );
}
