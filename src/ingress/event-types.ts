/**
 * Which Stripe event types the agent uses, and which kind of object each must carry. Routing
 * is on the full type (`customer.subscription.updated` is not a `customer.*` event), and an
 * event whose `data.object.object` is not the kind its type promises is not used.
 */

/** Exact types the agent handles, besides the `payment_intent.*` and `invoice.*` families. */
const HANDLED_EXACT: Readonly<Record<string, string>> = {
  'charge.failed': 'charge',
  'charge.succeeded': 'charge',
  'charge.refunded': 'charge',
  'charge.dispute.created': 'dispute',
  'invoice_payment.paid': 'invoice_payment',
  'payment_method.attached': 'payment_method',
  'payment_method.automatically_updated': 'payment_method',
  'customer.updated': 'customer',
  'customer.deleted': 'customer',
  'customer.subscription.updated': 'subscription',
  'customer.subscription.deleted': 'subscription',
};

/** Families handled by prefix: every `payment_intent.<x>` and `invoice.<x>` (one more segment only). */
const HANDLED_FAMILIES: Readonly<Record<string, string>> = {
  payment_intent: 'payment_intent',
  invoice: 'invoice',
};

/**
 * The object kind a handled type must carry, or `undefined` when the agent does not use the type.
 *
 * @example
 * expectedObjectKind('customer.subscription.updated'); // 'subscription'
 * expectedObjectKind('customer.discount.created'); // undefined
 */
export function expectedObjectKind(type: string): string | undefined {
  const exact = HANDLED_EXACT[type];
  if (exact) return exact;
  const parts = type.split('.');
  if (parts.length !== 2 || !parts[1]) return undefined;
  return HANDLED_FAMILIES[parts[0]!];
}

/** True when the agent uses events of this type (they are stored as pending). */
export function isHandledType(type: string): boolean {
  return expectedObjectKind(type) !== undefined;
}
