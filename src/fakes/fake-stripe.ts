/**
 * A local stand-in for the Stripe API on 127.0.0.1, for tests and `billing-agent demo`. It reads
 * form-encoded bodies like Stripe, records every request with its `Idempotency-Key`, replays the
 * first response for a repeated key (a different body under the same key is an idempotency
 * error), answers in Stripe's JSON error shapes, and can be scripted per PaymentIntent or invoice
 * like Stripe's test cards: always declines, declines until the n-th attempt, needs
 * authentication. Faults (429, 500) and slow replies can be queued per path; a slow reply is
 * processed at once and answered late, like a charge that succeeded after the client gave up.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import * as make from './fake-stripe-objects.ts';
import { missing, pickUpdatable, send, takeMatching } from './fake-stripe-http.ts';
import { confirm, payInvoice } from './fake-stripe-payments.ts';
import type { StripeObject } from './fake-stripe-objects.ts';

export type RecordedStripeRequest = {
  method: string;
  path: string;
  body: Record<string, unknown>;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
  replayed: boolean;
};

/** How confirm (or invoice pay) behaves for one object, like a Stripe test card. */
export type PaymentScript =
  | { kind: 'succeed' }
  | { kind: 'decline'; declineCode?: string }
  | { kind: 'decline_until'; succeedOnAttempt: number; declineCode?: string }
  | { kind: 'authentication_required' };

export type FaultSpec = { status: 429 | 500 | 503; path?: RegExp; count?: number; retryAfter?: number };
export type DelaySpec = { ms: number; path?: RegExp; count?: number };

export type FakeStripe = {
  url: string;
  requests: RecordedStripeRequest[];
  paymentIntents: Map<string, StripeObject>;
  invoices: Map<string, StripeObject>;
  customers: Map<string, StripeObject>;
  charges: Map<string, StripeObject>;
  paymentMethods: Map<string, StripeObject>;
  addPaymentIntent(init: Partial<StripeObject> & { id: string }, script?: PaymentScript): StripeObject;
  addInvoice(init: Partial<StripeObject> & { id: string }, script?: PaymentScript): StripeObject;
  addCustomer(init: Partial<StripeObject> & { id: string }): StripeObject;
  script(id: string, script: PaymentScript): void;
  fail(spec: FaultSpec): void;
  delay(spec: DelaySpec): void;
  /** Requests whose method and path match, e.g. `writes('POST', /confirm$/)`. */
  calls(method: string, path?: RegExp): RecordedStripeRequest[];
  close(): Promise<void>;
};

/**
 * Starts the fake on 127.0.0.1 (port 0 picks a free one).
 *
 * @example
 * const fake = await startFakeStripe();
 * const stripe = makeStripe({ secretKey: 'sk_test_x', apiBase: fake.url });
 */
export async function startFakeStripe(options: { port?: number; host?: string } = {}): Promise<FakeStripe> {
  const state = {
    requests: [] as RecordedStripeRequest[],
    paymentIntents: new Map<string, StripeObject>(),
    invoices: new Map<string, StripeObject>(),
    customers: new Map<string, StripeObject>(),
    charges: new Map<string, StripeObject>(),
    paymentMethods: new Map<string, StripeObject>(),
    scripts: new Map<string, PaymentScript>(),
    attempts: new Map<string, number>(),
    idempotent: new Map<string, { signature: string; status: number; body: unknown }>(),
    faults: [] as { status: FaultSpec['status']; path: RegExp; count: number; retryAfter?: number }[],
    delays: [] as { ms: number; path: RegExp; count: number }[],
  };
  const app = express();
  app.use(express.urlencoded({ extended: true }));

  app.use(async (req, res, next) => {
    const key = req.header('idempotency-key') ?? undefined;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const record: RecordedStripeRequest = {
      method: req.method,
      path: req.path,
      body,
      idempotencyKey: key,
      authorization: req.header('authorization') ?? undefined,
      replayed: false,
    };
    state.requests.push(record);
    res.setHeader('Request-Id', make.fakeId('req'));
    // A key containing `revoked` is refused, like a rolled key.
    const auth = record.authorization ?? '';
    if (!/^Bearer (sk|rk)_(test|live)_/.test(auth) || auth.includes('revoked')) {
      return send(res, 401, make.errorBody('invalid_request_error', { message: 'Invalid API Key provided' }));
    }
    const fault = takeMatching(state.faults, req.path);
    if (fault) {
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
      const type = fault.status === 429 ? 'invalid_request_error' : 'api_error';
      const code = fault.status === 429 ? 'rate_limit' : undefined;
      return send(res, fault.status, make.errorBody(type, { code, message: 'Injected fault' }));
    }
    const delay = takeMatching(state.delays, req.path);
    // Work happens now; only the answer waits, as when Stripe charged and the client timed out.
    if (delay) {
      const original = res.json.bind(res);
      res.json = (payload: unknown) => {
        setTimeout(() => res.writableEnded || res.destroyed || original(payload), delay.ms);
        return res;
      };
    }
    if (req.method === 'POST' && key) {
      const signature = `${req.method} ${req.path} ${JSON.stringify(body)}`;
      const seen = state.idempotent.get(key);
      if (seen) {
        record.replayed = true;
        if (seen.signature !== signature) {
          return send(
            res,
            400,
            make.errorBody('idempotency_error', {
              message:
                'Keys for idempotent requests can only be used with the same parameters they were first used with.',
            }),
          );
        }
        res.setHeader('Idempotent-Replayed', 'true');
        return send(res, seen.status, seen.body);
      }
      const original = res.json.bind(res);
      res.json = (payload: unknown) => {
        state.idempotent.set(key, { signature, status: res.statusCode, body: payload });
        return original(payload);
      };
    }
    next();
  });

  const get = (map: Map<string, StripeObject>, kind: string) => (req: Request, res: Response) => {
    const obj = map.get(String(req.params.id));
    if (!obj) return missing(res, kind, String(req.params.id));
    return send(res, 200, obj);
  };
  app.get('/v1/payment_intents/:id', get(state.paymentIntents, 'payment_intent'));
  app.get('/v1/invoices/:id', get(state.invoices, 'invoice'));
  app.get('/v1/customers/:id', get(state.customers, 'customer'));
  app.get('/v1/charges/:id', get(state.charges, 'charge'));
  app.get('/v1/payment_methods/:id', (req, res) => {
    const id = String(req.params.id);
    send(res, 200, state.paymentMethods.get(id) ?? make.paymentMethod(id));
  });
  app.get('/v1/balance', (_req, res) =>
    send(res, 200, { object: 'balance', livemode: false, available: [] }),
  );
  app.get('/v1/account', (_req, res) =>
    send(res, 200, { id: 'acct_fake', object: 'account', charges_enabled: true }),
  );
  app.post('/v1/payment_intents/:id', (req, res) => {
    const pi = state.paymentIntents.get(String(req.params.id));
    if (!pi) return missing(res, 'payment_intent', String(req.params.id));
    Object.assign(pi, pickUpdatable(req.body));
    return send(res, 200, pi);
  });
  app.post('/v1/invoices/:id', (req, res) => {
    const inv = state.invoices.get(String(req.params.id));
    if (!inv) return missing(res, 'invoice', String(req.params.id));
    Object.assign(inv, pickUpdatable(req.body));
    return send(res, 200, inv);
  });
  app.post('/v1/payment_intents/:id/confirm', (req, res) => confirm(state, req, res));
  app.post('/v1/invoices/:id/pay', (req, res) => payInvoice(state, req, res));
  app.use((req, res) =>
    send(
      res,
      404,
      make.errorBody('invalid_request_error', {
        message: `Unrecognized request URL (${req.method}: ${req.path})`,
      }),
    ),
  );

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: state.requests,
    paymentIntents: state.paymentIntents,
    invoices: state.invoices,
    customers: state.customers,
    charges: state.charges,
    paymentMethods: state.paymentMethods,
    addPaymentIntent(init, script) {
      const pi = make.paymentIntent(init);
      state.paymentIntents.set(pi.id, pi);
      if (script) state.scripts.set(pi.id, script);
      return pi;
    },
    addInvoice(init, script) {
      const inv = make.invoice(init);
      state.invoices.set(inv.id, inv);
      if (script) state.scripts.set(inv.id, script);
      return inv;
    },
    addCustomer(init) {
      const c = make.customer(init);
      state.customers.set(c.id, c);
      return c;
    },
    script: (id, script) => void state.scripts.set(id, script),
    fail: (spec) => void state.faults.push({ path: /./, count: 1, ...spec }),
    delay: (spec) => void state.delays.push({ path: /./, count: 1, ...spec }),
    calls: (method, path) =>
      state.requests.filter((r) => r.method === method && (!path || path.test(r.path))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
