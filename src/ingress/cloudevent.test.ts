import { describe, expect, it } from 'vitest';
import {
  decodeStructuredData,
  hasBinaryHeaders,
  isStructuredEnvelope,
  readBinaryAttributes,
} from './cloudevent.ts';
import { CloudEventSchema } from './normalize.ts';

const base = {
  'ce-specversion': '1.0',
  'ce-id': 'abc',
  'ce-source': 'https://getkite.sh/hooks/t/stripe',
  'ce-type': 'com.stripe.invoice.paid',
};

describe('readBinaryAttributes', () => {
  it('percent-decodes header values', () => {
    const attrs = readBinaryAttributes({
      ...base,
      'ce-id': 'a%20b%22c%25',
      'ce-source': 'urn:kite%3Astripe',
    });
    expect(attrs).toMatchObject({ ok: true, attributes: { id: 'a b"c%', source: 'urn:kite:stripe' } });
  });

  it('keeps a value that is not valid percent-encoding', () => {
    expect(readBinaryAttributes({ ...base, 'ce-id': '100%' })).toMatchObject({ attributes: { id: '100%' } });
  });

  it('reads the kiteseq extension as a number', () => {
    expect(readBinaryAttributes({ ...base, 'ce-kiteseq': '42' })).toMatchObject({
      attributes: { kiteseq: 42 },
    });
  });

  it('names the missing attribute', () => {
    const { 'ce-source': _s, ...noSource } = base;
    expect(readBinaryAttributes(noSource)).toEqual({ ok: false, reason: expect.stringContaining('source') });
  });

  it('refuses another spec version', () => {
    expect(readBinaryAttributes({ ...base, 'ce-specversion': '0.3' }).ok).toBe(false);
  });

  it('detects binary mode from ce-id or ce-specversion', () => {
    expect(hasBinaryHeaders({ 'ce-id': 'x' })).toBe(true);
    expect(hasBinaryHeaders({ 'x-kite-event-id': 'x' })).toBe(false);
  });
});

describe('structured envelopes', () => {
  const envelope = { specversion: '1.0', id: 'a', source: 's', type: 'com.stripe.invoice.paid' };

  it('recognises an envelope from the body', () => {
    expect(isStructuredEnvelope(envelope)).toBe(true);
    expect(isStructuredEnvelope({ id: 'evt_1', object: 'event' })).toBe(false);
    expect(isStructuredEnvelope([envelope])).toBe(false);
  });

  it('decodes data given as a json string', () => {
    const event = CloudEventSchema.parse({ ...envelope, data: '{"id":"evt_1"}' });
    expect(decodeStructuredData(event)).toEqual({ kind: 'json', value: { id: 'evt_1' } });
  });

  it('decodes data_base64', () => {
    const event = CloudEventSchema.parse({
      ...envelope,
      data_base64: Buffer.from('{"a":1}').toString('base64'),
    });
    expect(decodeStructuredData(event)).toEqual({ kind: 'json', value: { a: 1 } });
  });

  it('calls missing data unusable', () => {
    expect(decodeStructuredData(CloudEventSchema.parse(envelope))).toEqual({
      kind: 'unusable',
      reason: 'CloudEvent has no data',
    });
  });
});
