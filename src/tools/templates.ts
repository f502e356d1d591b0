/**
 * Customer notice templates: one file per situation in `templates/` at the repository root, a
 * `Subject:` line, a `---` line, then the text body. Only code fills them (merchant name, the
 * amount formatted for its currency, the link to fix the payment); the model picks which
 * template, never the words. A placeholder without a value is an error, not an empty gap.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { formatAmount, isCurrencyCode, isStripeAmount } from '../money.ts';
import { NOTICE_TEMPLATES, type NoticeTemplate } from './schemas.ts';

export type RenderedNotice = { subject: string; text: string };

export type NoticeFacts = {
  amount: number | null;
  currency: string | null;
  /** The invoice's `hosted_invoice_url`, when the payment belongs to an invoice. */
  hostedInvoiceUrl?: string | undefined;
  caseId: string;
  customerId?: string | null | undefined;
  paymentIntentId?: string | null | undefined;
};

const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);
const cache = new Map<NoticeTemplate, { subject: string; body: string }>();

/** Fills a template for one case. */
export function renderNotice(
  template: NoticeTemplate,
  facts: NoticeFacts,
  config: Pick<Config, 'merchantName' | 'paymentLinkTemplate'>,
): RenderedNotice {
  const { subject, body } = loadTemplate(template);
  const link = paymentLink(facts, config);
  const values: Record<string, string> = {
    merchant: config.merchantName,
    amount:
      isStripeAmount(facts.amount) && isCurrencyCode(facts.currency)
        ? formatAmount(facts.amount, facts.currency)
        : 'the amount due',
    link: link ?? '',
    action: link
      ? `use this link: ${link}`
      : `reply to this e-mail and we will help you update your payment details.`,
  };
  return { subject: fill(subject, values, template), text: fill(body, values, template) };
}

/** The link a customer fixes the payment through: the invoice page, else the configured URL. */
export function paymentLink(
  facts: NoticeFacts,
  config: Pick<Config, 'paymentLinkTemplate'>,
): string | undefined {
  if (facts.hostedInvoiceUrl) return facts.hostedInvoiceUrl;
  if (!config.paymentLinkTemplate) return undefined;
  const part = (v: string | null | undefined) => encodeURIComponent(v ?? '');
  return config.paymentLinkTemplate
    .replaceAll('{customer}', part(facts.customerId))
    .replaceAll('{payment_intent}', part(facts.paymentIntentId))
    .replaceAll('{case}', part(facts.caseId));
}

/** Reads and checks every template file (start-up and tests). */
export function loadAllTemplates(): void {
  for (const t of NOTICE_TEMPLATES) loadTemplate(t);
}

function loadTemplate(template: NoticeTemplate): { subject: string; body: string } {
  const cached = cache.get(template);
  if (cached) return cached;
  const raw = readFileSync(new URL(`${template}.txt`, TEMPLATE_DIR), 'utf8');
  const match = /^Subject: (.+)\n---\n([\s\S]+)$/.exec(raw);
  if (!match) throw new Error(`template ${template}: expected "Subject: …", "---", then the body`);
  const parsed = { subject: match[1]!.trim(), body: match[2]! };
  cache.set(template, parsed);
  return parsed;
}

function fill(text: string, values: Record<string, string>, template: string): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template ${template}: no value for {{${name}}}`);
    return value;
  });
}
