import { describe, expect, it } from 'vitest';
import { signalsOf } from './context.ts';
import { classifyDecline } from './declines.ts';
import { readEventFacts } from './facts.ts';

const pi = (object: Record<string, unknown>) => ({
  id: 'evt_f',
  type: 'payment_intent.payment_failed',
  created: 1_700_000_000,
  livemode: false,
  data: { object: { id: 'pi_f', object: 'payment_intent', amount: 100, currency: 'usd', ...object } },
});

describe('readEventFacts', () => {
  it('finds the failed charge in last_payment_error first', () => {
    const f = readEventFacts(pi({ last_payment_error: { charge: 'ch_lpe' }, latest_charge: 'ch_latest' }));
    expect(f.failure).toMatchObject({ chargeId: 'ch_lpe', chargeSource: 'last_payment_error.charge' });
  });

  it('falls back to latest_charge, then the old charges list', () => {
    expect(readEventFacts(pi({ latest_charge: 'ch_latest' })).failure?.chargeSource).toBe('latest_charge');
    const old = readEventFacts(
      pi({
        charges: {
          data: [{ id: 'ch_old', outcome: { type: 'issuer_declined', reason: 'insufficient_funds' } }],
        },
      }),
    );
    expect(old.failure).toMatchObject({
      chargeId: 'ch_old',
      chargeSource: 'charges.data[0]',
      declineCode: 'insufficient_funds',
    });
  });

  it('survives last_payment_error null, no charge and no customer', () => {
    const f = readEventFacts(pi({ last_payment_error: null, latest_charge: null, customer: null }));
    expect(f.failure).toMatchObject({ chargeId: null, chargeSource: 'none', code: null });
    expect(f.customerId).toBeNull();
  });

  it('reads the network advice fields', () => {
    const f = readEventFacts(
      pi({
        last_payment_error: {
          charge: 'ch_n',
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          network_advice_code: '24',
          network_decline_code: '51',
          advice_code: 'try_again_later',
        },
      }),
    );
    expect(f.failure).toMatchObject({
      networkAdviceCode: '24',
      networkDeclineCode: '51',
      adviceCode: 'try_again_later',
    });
  });

  it('links a basil invoice through invoice_payment.paid', () => {
    const f = readEventFacts({
      id: 'evt_ip',
      type: 'invoice_payment.paid',
      data: {
        object: {
          id: 'inpay_1',
          object: 'invoice_payment',
          invoice: 'in_1',
          amount_paid: 2000,
          payment: { type: 'payment_intent', payment_intent: 'pi_1' },
        },
      },
    });
    expect([f.invoiceId, f.paymentIntentId, f.amountPaid]).toEqual(['in_1', 'pi_1', 2000]);
  });

  it('reads the subscription of a basil invoice from its parent', () => {
    const f = readEventFacts({
      id: 'evt_in',
      type: 'invoice.payment_failed',
      data: {
        object: {
          id: 'in_2',
          object: 'invoice',
          parent: { subscription_details: { subscription: 'sub_2' } },
          next_payment_attempt: 5,
          attempt_count: 2,
        },
      },
    });
    expect(f.subscriptionId).toBe('sub_2');
    expect(f.caseFacts).toMatchObject({ nextPaymentAttempt: 5, attemptCount: 2 });
  });
  it('reads an amount only as a non-negative safe integer and a currency only as a real code', () => {
    for (const amount of [-5, 20.5, 1e300, '2000', null, Number.NaN, 2 ** 60]) {
      expect(readEventFacts(pi({ amount })).amount).toBeNull();
    }
    expect(readEventFacts(pi({ amount: 0 })).amount).toBe(0);
    for (const currency of [840, 'xxx', 'us', 'dollars', undefined, null, '']) {
      expect(readEventFacts(pi({ currency })).currency).toBeNull();
    }
    expect(readEventFacts(pi({ currency: 'JPY' })).currency).toBe('jpy');
    const invoice = readEventFacts({
      id: 'evt_i',
      type: 'invoice.payment_failed',
      created: 1_700_000_000,
      data: {
        object: { id: 'in_1', object: 'invoice', amount_due: -100, amount_paid: 1.5, currency: 'eur' },
      },
    });
    expect([invoice.amount, invoice.amountPaid, invoice.currency]).toEqual([null, null, 'eur']);
  });
  it('reads a decline code of the wrong type as unknown, and both codes null as no detail', () => {
    const classOf = (lpe: unknown) => {
      const f = readEventFacts(pi({ last_payment_error: lpe })).failure!;
      return classifyDecline(signalsOf(f));
    };
    expect(classOf({ type: 'card_error', decline_code: 123 })).toEqual({
      class: 'unknown',
      signal: 'decline_code=malformed:number (not a string)',
    });
    expect(classOf({ type: 'card_error', code: { x: 1 } }).class).toBe('unknown');
    expect(classOf({ code: 'card_declined', decline_code: ['lost_card'] }).class).toBe('unknown');
    expect(classOf({ decline_code: 'insufficient_funds', network_advice_code: 25 }).class).toBe('unknown');
    // A stricter signal still wins over a malformed one.
    expect(classOf({ decline_code: 7, network_advice_code: '03' }).class).toBe('hard_stop');
    expect(classOf({ type: 'card_error', code: null, decline_code: null })).toEqual(classOf(null));
    expect(classOf(null)).toEqual({ class: 'ambiguous_soft', signal: 'no decline details' });
  });
});
