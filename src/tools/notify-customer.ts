/**
 * E-mailing the customer one templated notice, at most once per (case, failure, template). The
 * notice is reserved in SQLite (`sending`) before the message leaves; if the process dies
 * mid-send, the next attempt finds the reservation and does not send again: at most once, by
 * choice, because a duplicate dunning e-mail does more harm than a missing one. A send that
 * certainly did not happen (connection refused, a 4xx before DATA) frees the reservation and is
 * retried. No address: recorded as `no_address`, and the job fails so that a person is told.
 * Shadow mode renders the notice to the outbox and sends nothing.
 */
import { maskEmails } from '../agent/redact.ts';
import { readCase } from '../store/case-read.ts';
import {
  getNotice,
  markNoticeDelivered,
  markNoticeFailed,
  recordNoAddress,
  reserveNotice,
} from '../store/notices.ts';
import { META_KEYS, setMeta } from '../store/meta.ts';
import { resolveAddress } from './customer-address.ts';
import { type Executor, type ExecutorDeps, permanent, transient } from './job-outcome.ts';
import { classifyMailError, type Mailer, makeOutboxMailer } from './mailer.ts';
import { NotifyJobArgsSchema } from './schemas.ts';
import { renderNotice } from './templates.ts';

/** Executor for `notify_customer` jobs. */
export function makeNotifyExecutor(deps: ExecutorDeps): Executor {
  const outbox: Mailer = makeOutboxMailer(deps.config.outboxDir, deps.config.mailFrom, deps.log);
  return async (job) => {
    const args = NotifyJobArgsSchema.parse(JSON.parse(job.args_json));
    const key = { caseId: job.case_id, failureKey: args.failureKey, template: args.template };
    const existing = getNotice(deps.db, key);
    if (existing && existing.status !== 'failed') {
      if (existing.status === 'sending') {
        deps.log.warn(
          { caseId: job.case_id, template: args.template },
          'notice outcome unknown; not sending again',
        );
      }
      return {
        outcome: 'skipped',
        result: { reason: `notice already ${existing.status}`, noticeId: existing.id },
      };
    }
    const view = readCase(deps.db, job.case_id);
    if (!view) throw permanent('no_case', `case ${job.case_id} not found`);

    const address = await resolveAddress(view, deps.stripe);
    if (!address.email) {
      recordNoAddress(deps.db, key, job.id, deps.clock.now());
      deps.log.warn({ caseId: job.case_id, template: args.template }, 'no customer address to notify');
      throw permanent('no_address', 'no customer e-mail (customer, receipt_email or billing details)');
    }
    const rendered = renderNotice(
      args.template,
      {
        amount: view.amount,
        currency: view.currency,
        hostedInvoiceUrl: address.hostedInvoiceUrl,
        caseId: view.id,
        customerId: view.customerId,
        paymentIntentId: view.paymentIntentId ?? (view.kind === 'payment_intent' ? view.id : null),
      },
      deps.config,
    );
    const content = { jobId: job.id, ...rendered, recipientMasked: maskEmails(address.email) };
    const noticeId = reserveNotice(deps.db, key, content, deps.clock.now());
    if (noticeId === undefined) return { outcome: 'skipped', result: { reason: 'notice already reserved' } };

    const mailer = deps.shadow || !deps.mailer ? outbox : deps.mailer;
    try {
      const delivery = await mailer.send({
        to: address.email,
        ...rendered,
        headers: { 'X-Case-ID': job.case_id, 'X-Notice-Template': args.template },
      });
      markNoticeDelivered(deps.db, noticeId, delivery, deps.clock.now());
      const result = { noticeId, template: args.template, addressSource: address.source, ...delivery };
      return {
        outcome: 'done',
        result: deps.shadow ? { shadow: true, wouldHave: { send: result } } : result,
      };
    } catch (err) {
      const failure = classifyMailError(err);
      if (failure.kind === 'unknown') {
        throw permanent('mail_outcome_unknown', failure.error, { cause: err });
      }
      markNoticeFailed(deps.db, noticeId);
      if (failure.auth) {
        setMeta(
          deps.db,
          META_KEYS.smtpConfigFault,
          { error: failure.error, at: deps.clock.now() },
          deps.clock.now(),
        );
        deps.log.error({ error: failure.error }, 'smtp refused our credentials: configuration fault');
      }
      if (failure.kind === 'retry') throw transient('mail_not_sent', failure.error, { cause: err });
      throw permanent('mail_refused', failure.error, { cause: err });
    }
  };
}
