/**
 * What the agent knows about a case beyond its columns, kept as JSON in `cases.facts_json`.
 * The agent writes it from events; the tools read it to carry actions out. Contact details
 * here are for the executors only and never enter a planner's context.
 */

export type CaseFacts = {
  /** The payment method that failed last (`last_payment_error.payment_method`). */
  failedPaymentMethodId?: string;
  /** The customer's new default payment method after a card update. */
  updatedPaymentMethodId?: string;
  /** The invoice's `hosted_invoice_url`, the link a customer pays through. */
  hostedInvoiceUrl?: string;
  /** `receipt_email` of the PaymentIntent, when set. */
  receiptEmail?: string;
  /** `billing_details.email` of the failed charge, when set. */
  billingEmail?: string;
  /** The customer's e-mail when an event carried an expanded customer. */
  customerEmail?: string;
  /** Whether Stripe Billing has its own retry booked (`next_payment_attempt`, epoch seconds). */
  nextPaymentAttempt?: number | null;
  attemptCount?: number;
  /** When the customer last changed the card (UTC ms), from a card-update event. */
  cardUpdatedAt?: number;
  description?: string;
};

export function parseFacts(json: string | null | undefined): CaseFacts {
  if (!json) return {};
  try {
    return JSON.parse(json) as CaseFacts;
  } catch {
    return {};
  }
}
