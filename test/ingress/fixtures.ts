/** Reads the project's own Stripe fixtures (`test/fixtures/stripe`) and the shared corpus, when present. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const OWN_FIXTURES_DIR = resolve(HERE, '../fixtures/stripe');
/** The shared real payloads, beside the checkout (`../shared/fixtures/stripe` from the repo root). */
export const SHARED_FIXTURES_DIR = resolve(HERE, '../../../shared/fixtures/stripe');

/** One fixture: its exact bytes and its parsed value. */
export type Fixture = { name: string; raw: string; value: Record<string, unknown> };

/** Files that are not whole snapshot events. */
export const NOT_EVENTS = ['bare-payment-intent.json', 'invoice-failed-data-only.json', 'thin-event.json'];

export function loadFixture(name: string, dir = OWN_FIXTURES_DIR): Fixture {
  const raw = readFileSync(join(dir, name), 'utf8');
  return { name, raw, value: JSON.parse(raw) as Record<string, unknown> };
}

/** Every own fixture that is a whole Stripe event. */
export function ownEventFixtures(): Fixture[] {
  return readdirSync(OWN_FIXTURES_DIR)
    .filter((f) => f.endsWith('.json') && !NOT_EVENTS.includes(f))
    .sort()
    .map((f) => loadFixture(f));
}

/** Every shared fixture, or `undefined` when the shared folder is not beside the checkout. */
export function sharedFixtures(): Fixture[] | undefined {
  if (!existsSync(SHARED_FIXTURES_DIR)) return undefined;
  return readdirSync(SHARED_FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadFixture(f, SHARED_FIXTURES_DIR));
}

/** The data object of an event fixture. */
export function objectOf(fixture: Fixture): { id?: string; object: string } {
  return (fixture.value.data as { object: { id?: string; object: string } }).object;
}
