/**
 * Where a customer notice goes. With Stripe: the customer's e-mail, else the PaymentIntent's
 * `receipt_email`, else the failed charge's `billing_details.email`. Without a Stripe key (shadow
 * mode, demos): the same order from the facts the agent recorded from events. The model never
 * chooses a recipient.
 */
import type Stripe from 'stripe';
import type { CaseView } from '../store/case-read.ts';
import { stripeJobError } from './stripe-errors.ts';

export type AddressSource = 'customer' | 'receipt_email' | 'billing_details' | 'none';

export type ResolvedAddress = {
  email: string | undefined;
  source: AddressSource;
  /** The invoice page, when the payment belongs to an invoice (read along the way). */
  hostedInvoiceUrl?: string | undefined;
};

/** Finds the address for a case's notice. */
export async function resolveAddress(view: CaseView, stripe: Stripe | undefined): Promise<ResolvedAddress> {
  const hosted = view.facts.hostedInvoiceUrl;
  if (!stripe) {
    const f = view.facts;
    if (f.customerEmail) return { email: f.customerEmail, source: 'customer', hostedInvoiceUrl: hosted };
    if (f.receiptEmail) return { email: f.receiptEmail, source: 'receipt_email', hostedInvoiceUrl: hosted };
    if (f.billingEmail) return { email: f.billingEmail, source: 'billing_details', hostedInvoiceUrl: hosted };
    return { email: undefined, source: 'none', hostedInvoiceUrl: hosted };
  }
  const read = <T>(what: string, p: Promise<T>) =>
    p.catch((err: unknown) => {
      throw stripeJobError(err, what);
    });
  let invoiceUrl = hosted;
  let paymentIntentId = view.paymentIntentId ?? (view.kind === 'payment_intent' ? view.id : undefined);
  let customerId = view.customerId;
  if (view.invoiceId) {
    const invoice = await read('read invoice', stripe.invoices.retrieve(view.invoiceId));
    invoiceUrl = invoice.hosted_invoice_url ?? invoiceUrl;
    customerId ??= idOf(invoice.customer) ?? null;
    if (invoice.customer_email && !customerId) {
      return { email: invoice.customer_email, source: 'customer', hostedInvoiceUrl: invoiceUrl };
    }
    paymentIntentId ??= idOf(
      (invoice as unknown as { payment_intent?: string | { id: string } }).payment_intent,
    );
  }
  if (customerId) {
    const customer = await read('read customer', stripe.customers.retrieve(customerId));
    if (!('deleted' in customer && customer.deleted) && customer.email) {
      return { email: customer.email, source: 'customer', hostedInvoiceUrl: invoiceUrl };
    }
  }
  if (!paymentIntentId) return { email: undefined, source: 'none', hostedInvoiceUrl: invoiceUrl };
  const pi = await read('read PaymentIntent', stripe.paymentIntents.retrieve(paymentIntentId));
  if (pi.receipt_email)
    return { email: pi.receipt_email, source: 'receipt_email', hostedInvoiceUrl: invoiceUrl };
  const chargeId = idOf(pi.last_payment_error?.charge as string | undefined) ?? idOf(pi.latest_charge);
  if (chargeId) {
    const charge = await read('read charge', stripe.charges.retrieve(chargeId));
    if (charge.billing_details?.email) {
      return { email: charge.billing_details.email, source: 'billing_details', hostedInvoiceUrl: invoiceUrl };
    }
  }
  return { email: undefined, source: 'none', hostedInvoiceUrl: invoiceUrl };
}

function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (!value) return undefined;
  return typeof value === 'string' ? value : value.id;
}
