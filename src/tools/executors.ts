/**
 * The executors, one per job tool, built once from the daemon's clients. In shadow mode every
 * executor still runs its logic and records what it would have done, and sends nothing to
 * Stripe, customers or Slack.
 */
import { makeEscalateExecutor, makeSlackReplyExecutor } from './escalate.ts';
import type { ExecutorDeps, Executors } from './job-outcome.ts';
import { makeNotifyExecutor } from './notify-customer.ts';
import { makeRetryExecutor } from './retry-payment.ts';

export type { Executor, ExecutorDeps, Executors, ExecResult } from './job-outcome.ts';

/**
 * Makes one executor per job tool.
 *
 * @example
 * const executors = makeExecutors({ db, config, log, clock, shadow: false, stripe, slack, mailer });
 */
export function makeExecutors(deps: ExecutorDeps): Executors {
  return {
    retry_payment: makeRetryExecutor(deps),
    notify_customer: makeNotifyExecutor(deps),
    escalate_to_human: makeEscalateExecutor(deps),
    slack_reply: makeSlackReplyExecutor(deps),
  };
}
