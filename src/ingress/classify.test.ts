import { describe, expect, it } from 'vitest';
import { type Classified, classifyInput } from './classify.ts';
import { expectedObjectKind, isHandledType } from './event-types.ts';

const event = (type: string, object: Record<string, unknown>) => ({
  id: 'evt_1',
  object: 'event',
  type,
  created: 1,
  data: { object },
});
const ce = { specversion: '1.0' as const, id: 'c1', source: 'src', type: 'com.stripe.invoice.paid' };
const classify = (value: unknown, withCe?: typeof ce): Classified =>
  classifyInput(
    { transport: 'file', raw: Buffer.from('x'), ce: withCe, payload: { kind: 'json', value } },
    100,
  );
const rowOf = (c: Classified) => {
  if (c.kind !== 'row') throw new Error(`refused: ${c.reason}`);
  return c.row;
};

describe('event types', () => {
  it('routes on the full type', () => {
    expect(expectedObjectKind('customer.subscription.updated')).toBe('subscription');
    expect(expectedObjectKind('customer.updated')).toBe('customer');
    expect(isHandledType('customer.subscription.created')).toBe(false);
    expect(isHandledType('customer.source.updated')).toBe(false);
    expect(isHandledType('payment_intent.processing')).toBe(true);
    expect(isHandledType('invoice.upcoming')).toBe(true);
    expect(isHandledType('invoiceitem.created')).toBe(false);
    expect(isHandledType('charge.dispute.closed')).toBe(false);
  });
});

describe('classifyInput', () => {
  it('stores a handled event as pending keyed by its id', () => {
    expect(rowOf(classify(event('invoice.paid', { id: 'in_1', object: 'invoice' })))).toMatchObject({
      dedupKey: 'evt_1',
      status: 'pending',
      objectId: 'in_1',
    });
  });

  it('treats a missing api version and livemode as absent', () => {
    const row = rowOf(classify(event('invoice.paid', { id: 'in_1', object: 'invoice' })));
    expect(row.apiVersion).toBeUndefined();
    expect(row.livemode).toBeUndefined();
  });

  it('accepts a pre-2017 request given as a bare string', () => {
    const value = { ...event('invoice.paid', { id: 'in_1', object: 'invoice' }), request: 'req_1' };
    expect(rowOf(classify(value)).status).toBe('pending');
  });

  it('rejects a mismatch between the cloudevent type and the event type', () => {
    const row = rowOf(classify(event('invoice.payment_failed', { object: 'invoice' }), ce));
    expect(row).toMatchObject({ status: 'rejected', stripeEventId: 'evt_1' });
    expect(row.dedupKey).toMatch(/^sha256:/);
  });

  it('refuses a value that is neither a stripe event nor a cloudevent', () => {
    expect(classify({ id: 'pi_1', object: 'payment_intent' })).toMatchObject({ kind: 'refuse' });
    expect(classify(null)).toMatchObject({ kind: 'refuse' });
  });

  it('dates a synthesised envelope from the cloudevent time, else the object, else now', () => {
    const bare = { id: 'in_1', object: 'invoice', created: 50 };
    expect(rowOf(classify(bare, { ...ce, time: '1970-01-01T00:00:10Z' } as typeof ce)).stripeCreated).toBe(
      10,
    );
    expect(rowOf(classify(bare, ce)).stripeCreated).toBe(50);
    expect(rowOf(classify({ id: 'in_1', object: 'invoice' }, ce)).stripeCreated).toBe(100);
  });

  it('rejects cloudevent data that is neither an event nor an object with a kind', () => {
    expect(rowOf(classify({ hello: 'world' }, ce))).toMatchObject({ status: 'rejected' });
  });
});
