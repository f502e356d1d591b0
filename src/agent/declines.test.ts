import { describe, expect, it } from 'vitest';
import { type DeclineSignals, classifyDecline } from './declines.ts';

describe('classifyDecline', () => {
  const table: [string, DeclineSignals, string][] = [
    ['lost card', { code: 'card_declined', declineCode: 'lost_card' }, 'fraud'],
    ['stolen card', { declineCode: 'stolen_card' }, 'fraud'],
    ['pickup card', { declineCode: 'pickup_card' }, 'fraud'],
    ['fraudulent', { declineCode: 'fraudulent' }, 'fraud'],
    [
      'do_not_try_again advice over a soft code',
      { declineCode: 'insufficient_funds', adviceCode: 'do_not_try_again' },
      'hard_stop',
    ],
    [
      'Mastercard MAC 03 over a soft code',
      { declineCode: 'insufficient_funds', networkAdviceCode: '03' },
      'hard_stop',
    ],
    ['Mastercard MAC 21', { declineCode: 'generic_decline', networkAdviceCode: '21' }, 'revoked'],
    ['revocation_of_authorization', { declineCode: 'revocation_of_authorization' }, 'revoked'],
    ['stop_payment_order', { declineCode: 'stop_payment_order' }, 'revoked'],
    [
      'Visa category 1 (04) over a soft code',
      { declineCode: 'generic_decline', networkDeclineCode: '04', cardBrand: 'visa' },
      'hard_stop',
    ],
    ['Visa R1', { declineCode: 'generic_decline', networkDeclineCode: 'R1', cardBrand: 'visa' }, 'revoked'],
    ['Visa 1A', { networkDeclineCode: '1A', cardBrand: 'visa' }, 'needs_authentication'],
    ['Radar block', { outcomeType: 'blocked', outcomeReason: 'highest_risk_level' }, 'radar_block'],
    [
      'Stripe velocity block',
      {
        declineCode: 'generic_decline',
        outcomeType: 'blocked',
        outcomeReason: 'previously_declined_do_not_retry',
      },
      'stripe_velocity_block',
    ],
    ['incorrect_number', { code: 'incorrect_number' }, 'credential_unusable'],
    ['transaction_not_allowed', { declineCode: 'transaction_not_allowed' }, 'credential_unusable'],
    ['expired card', { code: 'expired_card' }, 'data_must_change'],
    ['wrong cvc', { code: 'incorrect_cvc' }, 'data_must_change'],
    [
      'confirm_card_data advice',
      { declineCode: 'generic_decline', adviceCode: 'confirm_card_data' },
      'data_must_change',
    ],
    ['MAC 01', { declineCode: 'generic_decline', networkAdviceCode: '01' }, 'data_must_change'],
    [
      'authentication_required',
      { code: 'authentication_required', declineCode: 'authentication_not_handled' },
      'needs_authentication',
    ],
    [
      'payment_intent_authentication_failure',
      { code: 'payment_intent_authentication_failure' },
      'needs_authentication',
    ],
    ['insufficient funds', { declineCode: 'insufficient_funds' }, 'funds'],
    ['card velocity', { declineCode: 'card_velocity_exceeded' }, 'funds'],
    ['generic decline', { code: 'card_declined', declineCode: 'generic_decline' }, 'ambiguous_soft'],
    ['do not honor', { declineCode: 'do_not_honor' }, 'ambiguous_soft'],
    ['processing error', { code: 'processing_error' }, 'transient'],
    ['try_again_later', { declineCode: 'try_again_later' }, 'transient'],
    ['integration error', { code: 'payment_intent_unexpected_state' }, 'integration_error'],
    ['outcome invalid', { outcomeType: 'invalid' }, 'integration_error'],
    ['unknown decline code', { code: 'card_declined', declineCode: 'brand_new_code' }, 'unknown'],
    ['unknown error code', { code: 'mystery_error' }, 'unknown'],
    [
      'try_again_later advice does not soften a hard decline',
      { declineCode: 'lost_card', adviceCode: 'try_again_later' },
      'fraud',
    ],
    [
      'try_again_later advice softens an unknown code',
      { declineCode: 'brand_new_code', adviceCode: 'try_again_later' },
      'transient',
    ],
    ['no detail at all', {}, 'ambiguous_soft'],
  ];
  it.each(table)('classifies %s', (_name, signals, expected) => {
    expect(classifyDecline(signals).class).toBe(expected);
  });

  it('sets the earliest retry from Mastercard advice 24 to 30', () => {
    expect(
      classifyDecline({ declineCode: 'insufficient_funds', networkAdviceCode: '24' }).minRetryDelayMs,
    ).toBe(3_600_000);
    expect(
      classifyDecline({ declineCode: 'insufficient_funds', networkAdviceCode: '30' }).minRetryDelayMs,
    ).toBe(10 * 86_400_000);
  });

  it('names the field that decided', () => {
    expect(classifyDecline({ declineCode: 'insufficient_funds', networkAdviceCode: '03' }).signal).toBe(
      'network_advice_code=03',
    );
  });

  it('reads Visa response codes only for Visa cards', () => {
    expect(
      classifyDecline({ declineCode: 'generic_decline', networkDeclineCode: '04', cardBrand: 'mastercard' })
        .class,
    ).toBe('ambiguous_soft');
  });
});
