/**
 * What the demo promises for each payment, checked against what the daemon recorded and what
 * the fake Stripe saw, so the demo says plainly whether the flow worked.
 */
import type { AuditDocument } from '../cli/audit-document.ts';
import type { FakeStripe } from '../fakes/fake-stripe.ts';
import { DEMO_PAYMENTS } from './scenario.ts';

export type ExpectationResult = { paymentId: string; ok: boolean; detail: string };

/** Checks the three demo payments: three strikes, recovery, authentication. */
export function checkExpectations(doc: AuditDocument, stripe: FakeStripe): ExpectationResult[] {
  const [declines, funds, auth] = DEMO_PAYMENTS;
  const find = (id: string) => doc.cases.find((c) => c.id === id || c.paymentIntentId === id);
  const confirms = (id: string) => stripe.calls('POST', new RegExp(`/payment_intents/${id}/confirm$`)).length;
  const notices = (id: string) => find(id)?.notices.map((n) => n.template) ?? [];
  const results: ExpectationResult[] = [];
  const expect = (paymentId: string, ok: boolean, detail: string) => results.push({ paymentId, ok, detail });

  const a = find(declines!.id);
  expect(
    declines!.id,
    confirms(declines!.id) === 2 && notices(declines!.id).length === 2 && a?.escalation?.status === 'posted',
    `${confirms(declines!.id)} retries, notices [${notices(declines!.id).join(', ')}], escalation ${a?.escalation?.status ?? 'none'}`,
  );
  const b = find(funds!.id);
  expect(
    funds!.id,
    confirms(funds!.id) === 1 && b?.status === 'closed' && notices(funds!.id).includes('first_failure'),
    `${confirms(funds!.id)} retry, notices [${notices(funds!.id).join(', ')}], case ${b?.status ?? 'missing'}`,
  );
  expect(
    auth!.id,
    confirms(auth!.id) === 0 && notices(auth!.id).includes('authenticate'),
    `${confirms(auth!.id)} off-session retries, notices [${notices(auth!.id).join(', ')}]`,
  );
  return results;
}
