/**
 * Retrying a failed payment through Stripe. Before charging, the PaymentIntent (or invoice) is
 * read again, and the retry is skipped, with the reason recorded, when it has succeeded, is
 * processing, was canceled, needs the customer, or Stripe Billing has its own retry booked. A
 * PaymentIntent retry confirms the same PaymentIntent off-session with the payment method that
 * failed (or the customer's new one); it never creates a PaymentIntent and never sends an
 * amount. An invoice retry pays the invoice. The idempotency key is the job's own key, stored
 * before the first call, so a crash or timeout repeats the same key. A decline is a new failure
 * fact: it goes into the inbox as an internal event, keyed so that the agent counts it once with
 * the webhook Stripe sends for the same charge.
 */
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { readCase } from '../store/case-read.ts';
import { storeInboxRow } from '../store/inbox.ts';
import type { JobRow } from '../store/jobs.ts';
import { type ExecResult, type Executor, type ExecutorDeps, permanent } from './job-outcome.ts';
import { RetryJobArgsSchema, type RetryJobArgs } from './schemas.ts';
import { isCardError, type StripeErrorLike, stripeJobError } from './stripe-errors.ts';
import { STRIPE_API_VERSION } from './stripe-client.ts';

/** PaymentIntent states in which an off-session retry must not run, and why. */
const PI_SKIP: Record<string, string> = {
  succeeded: 'payment already succeeded',
  processing: 'payment is processing',
  canceled: 'payment was canceled',
  requires_action: 'payment needs the customer (authentication)',
  requires_capture: 'payment is authorized, awaiting capture',
};
const INVOICE_SKIP: Record<string, string> = {
  paid: 'invoice already paid',
  void: 'invoice was voided',
  uncollectible: 'invoice was marked uncollectible',
  draft: 'invoice is still a draft',
};

/** Executor for `retry_payment` jobs. */
export function makeRetryExecutor(deps: ExecutorDeps): Executor {
  return async (job) => {
    const args = RetryJobArgsSchema.parse(JSON.parse(job.args_json));
    const view = readCase(deps.db, job.case_id);
    const invoiceId =
      args.invoiceId ?? (view?.kind === 'invoice' ? (view.invoiceId ?? job.case_id) : undefined);
    const paymentIntentId =
      args.paymentIntentId ??
      view?.paymentIntentId ??
      (view?.kind === 'payment_intent' ? job.case_id : undefined);
    // The agent's explicit choice, else the customer's new card, else (read live below) the one that failed.
    const chosenMethod = args.paymentMethodId ?? view?.facts.updatedPaymentMethodId;
    const paymentMethod = chosenMethod ?? view?.facts.failedPaymentMethodId;
    if (!deps.stripe) {
      if (!deps.shadow) throw permanent('no_stripe_key', 'STRIPE_SECRET_KEY is not set');
      const target = invoiceId ? { invoice: invoiceId } : { payment_intent: paymentIntentId };
      return shadowResult({ ...target, payment_method: paymentMethod, idempotencyKey: job.idempotency_key });
    }
    // A payment that belongs to an invoice is retried by paying the invoice (Stripe Billing's state applies).
    if (invoiceId) return retryInvoice(deps, deps.stripe, job, args, invoiceId);
    if (!paymentIntentId) throw permanent('no_target', 'no PaymentIntent or invoice to retry');
    return retryPaymentIntent(
      deps,
      deps.stripe,
      job,
      paymentIntentId,
      chosenMethod,
      view?.facts.failedPaymentMethodId,
    );
  };
}

async function retryPaymentIntent(
  deps: ExecutorDeps,
  stripe: Stripe,
  job: JobRow,
  id: string,
  chosenMethod: string | undefined,
  recordedFailedMethod: string | undefined,
): Promise<ExecResult> {
  const pi = await stripe.paymentIntents.retrieve(id).catch((err: unknown) => {
    throw stripeJobError(err, 'read PaymentIntent');
  });
  const skip = PI_SKIP[pi.status];
  if (skip) return { outcome: 'skipped', result: { reason: skip, status: pi.status, paymentIntent: id } };
  const failedMethod = idOf(pi.last_payment_error?.payment_method) ?? idOf(pi.payment_method);
  const paymentMethod = chosenMethod ?? failedMethod ?? recordedFailedMethod;
  if (!paymentMethod) throw permanent('no_payment_method', 'no payment method to retry with');
  const params = { payment_method: paymentMethod, off_session: true } as const;
  if (deps.shadow) return shadowResult({ confirm: id, ...params, idempotencyKey: job.idempotency_key });
  try {
    const confirmed = await stripe.paymentIntents.confirm(id, params, {
      idempotencyKey: job.idempotency_key,
    });
    if (confirmed.status === 'requires_payment_method') {
      recordDecline(deps, job, confirmed as unknown as Record<string, unknown>);
      return { outcome: 'declined', result: declineResult(confirmed.last_payment_error, id, paymentMethod) };
    }
    return {
      outcome: 'done',
      result: {
        paymentIntent: id,
        status: confirmed.status,
        paymentMethod,
        charge: idOf(confirmed.latest_charge),
      },
    };
  } catch (err) {
    if (!isCardError(err)) throw stripeJobError(err, 'confirm PaymentIntent');
    const declined = await declinedIntent(stripe, id, err);
    recordDecline(deps, job, declined);
    return { outcome: 'declined', result: declineResult(err, id, paymentMethod) };
  }
}

async function retryInvoice(
  deps: ExecutorDeps,
  stripe: Stripe,
  job: JobRow,
  args: RetryJobArgs,
  id: string,
): Promise<ExecResult> {
  const invoice = await stripe.invoices.retrieve(id).catch((err: unknown) => {
    throw stripeJobError(err, 'read invoice');
  });
  const skip = INVOICE_SKIP[invoice.status ?? ''];
  if (skip) return { outcome: 'skipped', result: { reason: skip, status: invoice.status, invoice: id } };
  const next = invoice.next_payment_attempt;
  if (next && next * 1000 > deps.clock.now()) {
    return {
      outcome: 'skipped',
      result: { reason: 'Stripe Billing has a retry booked', nextPaymentAttempt: next },
    };
  }
  const view = readCase(deps.db, job.case_id);
  const method = args.paymentMethodId ?? view?.facts.updatedPaymentMethodId;
  const params = { off_session: true, ...(method ? { payment_method: method } : {}) };
  if (deps.shadow) return shadowResult({ pay: id, ...params, idempotencyKey: job.idempotency_key });
  try {
    const paid = await stripe.invoices.pay(id, params, { idempotencyKey: job.idempotency_key });
    return { outcome: 'done', result: { invoice: id, status: paid.status } };
  } catch (err) {
    if (!isCardError(err)) throw stripeJobError(err, 'pay invoice');
    // The declined PaymentIntent carries the charge and codes; `invoice` links it to this case.
    const declined = err.payment_intent
      ? withInvoice(await declinedIntent(stripe, err.payment_intent.id, err), id)
      : ((await stripe.invoices.retrieve(id).catch(() => ({ id, object: 'invoice' }))) as unknown as Record<
          string,
          unknown
        >);
    recordDecline(deps, job, declined);
    return { outcome: 'declined', result: declineResult(err, id, method) };
  }
}

/** The declined PaymentIntent, with `last_payment_error` carrying the charge and the codes. */
async function declinedIntent(
  stripe: Stripe,
  id: string,
  err: StripeErrorLike,
): Promise<Record<string, unknown>> {
  let pi = err.payment_intent as Record<string, unknown> | undefined;
  if (!pi)
    pi = (await stripe.paymentIntents.retrieve(id).catch(() => ({ id, object: 'payment_intent' }))) as never;
  const fromError = {
    type: 'card_error',
    code: err.code,
    decline_code: err.decline_code,
    charge: err.charge,
    message: err.message,
    payment_method: err.payment_method,
  };
  const last = (pi.last_payment_error ?? {}) as Record<string, unknown>;
  return { ...pi, last_payment_error: { ...fromError, ...last, charge: last.charge ?? err.charge } };
}

/**
 * Writes the decline into the inbox as an internal event. The dedup key is the idempotency key
 * (a repeat of this attempt replays the same decline and is stored once); the agent links it to
 * the webhook Stripe sends for the same charge through `last_payment_error.charge`.
 */
function recordDecline(deps: ExecutorDeps, job: JobRow, object: Record<string, unknown>): void {
  const isInvoice = object.object === 'invoice';
  const type = isInvoice ? 'invoice.payment_failed' : 'payment_intent.payment_failed';
  const digest = createHash('sha256').update(job.idempotency_key).digest('hex').slice(0, 24);
  const now = deps.clock.now();
  const event = {
    id: `evt_internal_${digest}`,
    object: 'event',
    type,
    created: Math.floor(now / 1000),
    livemode: object.livemode === true,
    api_version: STRIPE_API_VERSION,
    data: { object },
  };
  const stored = storeInboxRow(
    deps.db,
    {
      dedupKey: `internal:${job.idempotency_key}`,
      stripeEventId: event.id,
      type,
      status: 'pending',
      transport: 'internal',
      apiVersion: STRIPE_API_VERSION,
      livemode: event.livemode,
      stripeCreated: event.created,
      objectId: String(object.id),
      objectType: String(object.object ?? (isInvoice ? 'invoice' : 'payment_intent')),
      raw: JSON.stringify(event),
      event,
    },
    now,
  );
  deps.log.info(
    { caseId: job.case_id, inboxId: stored.id, outcome: stored.outcome },
    'retry declined; failure recorded',
  );
}

function declineResult(err: unknown, target: string, paymentMethod: string | undefined) {
  const e = (err ?? {}) as StripeErrorLike;
  return {
    target,
    paymentMethod,
    code: e.code,
    declineCode: e.decline_code,
    charge: e.charge,
    requestId: e.requestId,
  };
}

function withInvoice(pi: Record<string, unknown>, invoiceId: string): Record<string, unknown> {
  return { ...pi, invoice: pi.invoice ?? invoiceId };
}

function shadowResult(wouldHave: Record<string, unknown>): ExecResult {
  return { outcome: 'done', result: { shadow: true, wouldHave } };
}

function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (!value) return undefined;
  return typeof value === 'string' ? value : value.id;
}
