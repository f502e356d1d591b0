/**
 * Escalating to a person in Slack: one Block Kit message per case (the escalations row is unique
 * per case and keeps the message `ts`), and later `slack_reply` jobs in its thread. A rate limit
 * reschedules the job after `Retry-After`; a configuration fault (`channel_not_found`,
 * `not_in_channel`, `invalid_auth`, …) is not retried: the escalation is marked undelivered, the
 * fault is logged at error level and kept in meta for `/healthz`. Without a token or channel the
 * escalation is kept in SQLite and logged loudly. In shadow mode nothing is posted.
 */
import type { ChatPostMessageArguments } from '@slack/web-api';
import { readCase, readFailures } from '../store/case-read.ts';
import { getEscalation, setEscalationStatus, upsertPendingEscalation } from '../store/escalations.ts';
import { getJobByKey, type JobRow, listJobs } from '../store/jobs.ts';
import { deleteMeta, getMeta, META_KEYS, setMeta } from '../store/meta.ts';
import { listNotices } from '../store/notices.ts';
import { escalationMessage } from './blocks.ts';
import { type Executor, type ExecutorDeps, JobError, permanent, transient } from './job-outcome.ts';
import { EscalateJobArgsSchema, jobKeys, SlackReplyJobArgsSchema } from './schemas.ts';
import { classifySlackError } from './slack-client.ts';

const WAIT_FOR_PARENT_MS = 30_000;
/** Slack message metadata that marks an escalation's message with its case. */
const METADATA_EVENT = 'billing_agent_escalation';
const REPLY_LABELS = { recovered: 'Recovered', closed: 'Closed', failed_again: 'Failed again', note: 'Note' };

/** Executor for `escalate_to_human` jobs. */
export function makeEscalateExecutor(deps: ExecutorDeps): Executor {
  return async (job) => {
    const args = EscalateJobArgsSchema.parse(JSON.parse(job.args_json));
    const existing = getEscalation(deps.db, job.case_id);
    if (existing && existing.status !== 'pending') {
      return {
        outcome: 'skipped',
        result: { reason: `escalation already ${existing.status}`, ts: existing.ts },
      };
    }
    const view = readCase(deps.db, job.case_id);
    const jobs = listJobs(deps.db, job.case_id).filter(
      (j) => j.tool !== 'escalate_to_human' && j.tool !== 'slack_reply',
    );
    const message = escalationMessage({
      caseId: job.case_id,
      view,
      failures: readFailures(deps.db, job.case_id),
      jobs,
      notices: listNotices(deps.db, job.case_id),
      args,
    });
    const now = deps.clock.now();
    const channel = deps.config.slackChannel;
    upsertPendingEscalation(deps.db, { caseId: job.case_id, kind: args.kind, channel, ...message }, now);

    if (deps.shadow) {
      setEscalationStatus(deps.db, job.case_id, { status: 'stored', error: 'shadow mode' }, now);
      return {
        outcome: 'done',
        result: { shadow: true, wouldHave: { post: 'chat.postMessage', channel, text: message.text } },
      };
    }
    if (!deps.slack || !channel) {
      const missing = deps.slack ? 'SLACK_CHANNEL' : 'SLACK_BOT_TOKEN';
      setEscalationStatus(deps.db, job.case_id, { status: 'stored', error: `${missing} not set` }, now);
      deps.log.error(
        { caseId: job.case_id, missing, text: message.text },
        'escalation kept in SQLite: Slack is not configured',
      );
      return { outcome: 'done', result: { stored: true, reason: `${missing} not set` } };
    }
    // A previous attempt may have posted and died before storing the ts: look for it first.
    const earlier = existing ? await findPosted(deps, channel, job.case_id) : undefined;
    if (earlier) {
      setEscalationStatus(deps.db, job.case_id, { status: 'posted', channel, ts: earlier }, deps.clock.now());
      return { outcome: 'done', result: { channel, ts: earlier, adopted: true } };
    }
    const metadata = { event_type: METADATA_EVENT, event_payload: { case_id: job.case_id } };
    const posted = await post(deps, job, { channel, text: message.text, blocks: message.blocks, metadata });
    setEscalationStatus(
      deps.db,
      job.case_id,
      { status: 'posted', channel: posted.channel, ts: posted.ts },
      deps.clock.now(),
    );
    return { outcome: 'done', result: { channel: posted.channel, ts: posted.ts } };
  };
}

/** Executor for `slack_reply` jobs: a reply in the case's escalation thread. */
export function makeSlackReplyExecutor(deps: ExecutorDeps): Executor {
  return async (job) => {
    const args = SlackReplyJobArgsSchema.parse(JSON.parse(job.args_json));
    const text = `*${REPLY_LABELS[args.event]}:* ${args.text}`;
    const parent = getEscalation(deps.db, job.case_id);
    if (!parent || parent.status === 'pending') {
      const parentJob = getJobByKey(deps.db, jobKeys.escalate(job.case_id));
      if (parentJob && (parentJob.state === 'pending' || parentJob.state === 'running')) {
        throw transient('escalation_not_posted', 'the escalation is not posted yet', {
          retryAfterMs: WAIT_FOR_PARENT_MS,
        });
      }
      return { outcome: 'skipped', result: { reason: 'the case has no escalation to reply to' } };
    }
    if (deps.shadow) {
      return {
        outcome: 'done',
        result: { shadow: true, wouldHave: { post: 'chat.postMessage', thread_ts: parent.ts, text } },
      };
    }
    if (parent.status !== 'posted' || !parent.ts || !parent.channel || !deps.slack) {
      deps.log.error(
        { caseId: job.case_id, status: parent.status, text },
        'thread reply kept in SQLite: escalation not in Slack',
      );
      return { outcome: 'done', result: { stored: true, reason: `escalation ${parent.status}` } };
    }
    // Limitation: a reply is not tagged and looked up like the first message, so a process that
    // dies between Slack's answer and the commit posts that reply a second time on restart.
    const posted = await post(deps, job, { channel: parent.channel, text, thread_ts: parent.ts });
    return { outcome: 'done', result: { channel: posted.channel, ts: posted.ts, thread_ts: parent.ts } };
  };
}

type PostArgs = {
  channel: string;
  text: string;
  blocks?: Record<string, unknown>[];
  thread_ts?: string;
  metadata?: { event_type: string; event_payload: Record<string, string> };
};

/**
 * The ts of a message already posted for this case (found by its metadata among the channel's
 * latest 200 messages; message times are Slack's, so no clock of ours bounds the search), or
 * `undefined`. Best effort: any error means "not found".
 */
async function findPosted(deps: ExecutorDeps, channel: string, caseId: string) {
  try {
    const history = await deps.slack!.conversations.history({
      channel,
      limit: 200,
      include_all_metadata: true,
    });
    const found = history.messages?.find(
      (m) =>
        m.metadata?.event_type === METADATA_EVENT &&
        (m.metadata.event_payload as Record<string, unknown> | undefined)?.case_id === caseId,
    );
    return found?.ts;
  } catch (err) {
    deps.log.warn(
      { caseId, error: classifySlackError(err).error },
      'slack history not readable; posting again',
    );
    return undefined;
  }
}

async function post(
  deps: ExecutorDeps,
  job: JobRow,
  message: PostArgs,
): Promise<{ channel: string; ts: string }> {
  try {
    const res = await deps.slack!.chat.postMessage({
      ...message,
      unfurl_links: false,
      unfurl_media: false,
    } as ChatPostMessageArguments);
    if (!res.ok || !res.ts) throw permanent('slack_no_ts', 'Slack answered without ok and ts');
    if (getMeta(deps.db, META_KEYS.slackConfigFault)) {
      deleteMeta(deps.db, META_KEYS.slackConfigFault);
      deps.log.info('slack configuration fault cleared');
    }
    return { channel: res.channel ?? message.channel, ts: res.ts };
  } catch (err) {
    if (err instanceof JobError) throw err;
    const failure = classifySlackError(err);
    const now = deps.clock.now();
    if (failure.kind === 'config') {
      setMeta(deps.db, META_KEYS.slackConfigFault, { error: failure.error, at: now }, now);
      if (job.tool === 'escalate_to_human') {
        setEscalationStatus(
          deps.db,
          job.case_id,
          { status: 'undelivered', error: `undelivered: ${failure.error}` },
          now,
        );
      }
      deps.log.error(
        { caseId: job.case_id, error: failure.error },
        'slack refused: configuration fault; escalation undelivered',
      );
      throw permanent(`slack_${failure.error}`, `undelivered: ${failure.error}`, { cause: err });
    }
    if (job.tool === 'escalate_to_human') {
      setEscalationStatus(deps.db, job.case_id, { status: 'pending', error: failure.error }, now);
    }
    if (failure.kind === 'transient') {
      throw transient(`slack_${failure.error}`, failure.error, {
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        cause: err,
      });
    }
    throw permanent(`slack_${failure.error}`, failure.error, { cause: err });
  }
}
