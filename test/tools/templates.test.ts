import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { NOTICE_TEMPLATES } from '../../src/tools/schemas.ts';
import { escalationMessage } from '../../src/tools/blocks.ts';
import { loadAllTemplates, paymentLink, renderNotice } from '../../src/tools/templates.ts';

const config = loadConfig({}, { MERCHANT_NAME: 'Acme Tea' });
const facts = { amount: 1050, currency: 'kwd', caseId: 'pi_1', customerId: 'cus_1', paymentIntentId: 'pi_1' };

describe('templates', () => {
  it('has one readable file per notice template', () => {
    expect(() => loadAllTemplates()).not.toThrow();
  });

  it.each(NOTICE_TEMPLATES)('fills %s completely with the merchant and the amount', (template) => {
    const notice = renderNotice(template, facts, config);
    expect(notice.subject.length).toBeGreaterThan(10);
    expect(`${notice.subject}\n${notice.text}`).not.toMatch(/\{\{|\}\}/);
    expect(notice.text).toContain('Acme Tea');
    expect(`${notice.subject}\n${notice.text}`).toContain('KWD');
  });

  it('offers a reply when there is no link to give', () => {
    expect(renderNotice('update_payment_method', facts, config).text).toContain('reply to this e-mail');
  });

  it('prefers the invoice page and encodes values in the configured link', () => {
    const withTemplate = { paymentLinkTemplate: 'https://acme.test/fix/{case}?c={customer}' };
    expect(paymentLink({ ...facts, hostedInvoiceUrl: 'https://invoice.stripe.com/i/x' }, withTemplate)).toBe(
      'https://invoice.stripe.com/i/x',
    );
    expect(paymentLink({ ...facts, caseId: 'in 1/2', customerId: 'cus_&' }, withTemplate)).toBe(
      'https://acme.test/fix/in%201%2F2?c=cus_%26',
    );
    expect(paymentLink(facts, {})).toBeUndefined();
  });
  it('says "the amount due" and "unknown amount" for a stored amount or currency of the wrong kind', () => {
    for (const [amount, currency] of [
      [-5, 'usd'],
      [20.5, 'usd'],
      [1e300, 'usd'],
      ['2000', 'usd'],
      [2000, 840],
      [2000, 'xxx'],
      [2000, null],
    ] as const) {
      const bad = { ...facts, amount, currency } as unknown as typeof facts;
      const notice = renderNotice('first_failure', bad, config);
      expect(`${notice.subject}\n${notice.text}`).toContain('the amount due');
      expect(`${notice.subject}\n${notice.text}`).not.toMatch(/\$|USD|¤|e\+300|20\.5|-5/);
      const view = {
        id: 'pi_1',
        kind: 'payment_intent',
        paymentIntentId: 'pi_1',
        invoiceId: null,
        customerId: null,
        subscriptionId: null,
        status: 'open',
        amount,
        currency,
        livemode: false,
        failureCount: 1,
        facts: {},
      } as unknown as Parameters<typeof escalationMessage>[0]['view'];
      const message = escalationMessage({
        caseId: 'pi_1',
        view,
        failures: [],
        jobs: [],
        notices: [],
        args: { kind: 'case', reason: 'r', urgency: 'normal' },
      });
      expect(message.text).toContain('unknown amount');
    }
  });
});
