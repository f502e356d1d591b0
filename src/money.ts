/**
 * Amounts as Stripe sends them (integers in the currency's minor unit) and as people read them.
 * Stripe's unit depends on the currency: zero-decimal currencies such as JPY are sent in whole
 * yen, three-decimal ones such as KWD in fils. Never multiply or divide by 100 blindly.
 */

/** Currencies whose Stripe amount is already in whole units. */
export const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

/** Currencies whose Stripe amount is in thousandths. */
export const THREE_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Number of decimal places in Stripe's amount for `currency`. */
export function currencyDecimals(currency: string): number {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL_CURRENCIES.has(c)) return 0;
  if (THREE_DECIMAL_CURRENCIES.has(c)) return 3;
  return 2;
}

/** The amount in major units (yen, dollars, dinars) as a number. */
export function toMajorUnits(amount: number, currency: string): number {
  return amount / 10 ** currencyDecimals(currency);
}

/**
 * Formats a Stripe amount for a customer or an operator.
 *
 * @example
 * formatAmount(5000, 'jpy'); // '¥5,000'
 * formatAmount(1999, 'usd'); // '$19.99'
 */
export function formatAmount(amount: number, currency: string, locale = 'en-US'): string {
  const decimals = currencyDecimals(currency);
  try {
    return formatterFor(locale, currency, decimals)
      .format(toMajorUnits(amount, currency))
      .replace(/\u00a0/g, ' ');
  } catch {
    return `${toMajorUnits(amount, currency).toFixed(decimals)} ${currency.toUpperCase()}`;
  }
}

const FORMATTERS = new Map<string, Intl.NumberFormat>();

/** One `Intl.NumberFormat` per locale and currency: building one costs far more than using it. */
function formatterFor(locale: string, currency: string, decimals: number): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let formatter = FORMATTERS.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    FORMATTERS.set(key, formatter);
  }
  return formatter;
}

/** Stripe still sends the retired São Tomé code; ICU no longer lists it. */
const EXTRA_CURRENCIES = ['std'];
let knownCurrencies: ReadonlySet<string> | undefined;

/**
 * Whether `value` is a currency Stripe can send: three lower-case letters naming a real ISO 4217
 * currency (`usd`, `jpy`), not a number, an upper-case code or a placeholder such as `xxx`.
 */
export function isCurrencyCode(value: unknown): value is string {
  if (typeof value !== 'string' || !/^[a-z]{3}$/.test(value)) return false;
  knownCurrencies ??= new Set([
    ...Intl.supportedValuesOf('currency').map((c) => c.toLowerCase()),
    ...EXTRA_CURRENCIES,
  ]);
  return knownCurrencies.has(value);
}

/** Whether `value` is a Stripe amount: a non-negative safe integer in the currency's minor unit. */
export function isStripeAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
