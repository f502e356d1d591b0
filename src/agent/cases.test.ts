import { describe, expect, it } from 'vitest';
import { resolveCases } from './cases.ts';
import { readEventFacts } from './facts.ts';

const kase = (id: string, pi: string | null, invoice: string | null, aliases: string[], opened = 1) => ({
  id,
  payment_intent_id: pi,
  invoice_id: invoice,
  opened_at: opened,
  aliases: [id, ...aliases],
});

describe('resolveCases', () => {
  const cases = [
    kase('pi_a', 'pi_a', null, ['ch_1'], 1),
    kase('in_b', null, 'in_b', ['ch_2'], 2),
    kase('ch_3', null, null, ['ch_3'], 3),
  ];
  const find = (ids: string[]) => cases.filter((c) => c.aliases.some((a) => ids.includes(a)));
  const event = (object: Record<string, unknown>) =>
    readEventFacts({ id: 'evt', type: 'payment_intent.succeeded', created: 1, data: { object } });

  it("finds a case by the event's own payment, never by a charge of another payment", () => {
    const pi = (id: string, extra: Record<string, unknown> = {}) =>
      resolveCases(event({ id, object: 'payment_intent', latest_charge: 'ch_1', ...extra }), find).map(
        (c) => c.id,
      );
    expect(pi('pi_a')).toEqual(['pi_a']);
    expect(pi('pi_order')).toEqual([]);
    expect(pi('pi_order', { latest_charge: 'ch_3' })).toEqual(['ch_3']);
    expect(pi('pi_order', { latest_charge: 'ch_2' })).toEqual(['in_b']);
    expect(pi('pi_order', { latest_charge: 'ch_2', invoice: 'in_other' })).toEqual([]);
  });

  it('lets a dispute resolve through its payment first and its charge last', () => {
    const dispute = (object: Record<string, unknown>) =>
      resolveCases(event({ id: 'dp_1', object: 'dispute', ...object }), find).map((c) => c.id);
    // A basil invoice case records no PaymentIntent: its charge may well be this payment's.
    expect(dispute({ payment_intent: 'pi_a', charge: 'ch_2' })).toEqual(['pi_a', 'in_b']);
    expect(dispute({ payment_intent: 'pi_x', charge: 'ch_1' })).toEqual([]);
    expect(dispute({ charge: 'ch_1' })).toEqual(['pi_a']);
  });
});
