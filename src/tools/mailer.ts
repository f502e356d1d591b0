/**
 * Sending customer notices. With `SMTP_URL` set, nodemailer delivers over SMTP (sender
 * `MAIL_FROM`); without it, the embedded default writes each message as an `.eml` file in the
 * outbox folder and logs where. Shadow mode always uses the outbox. Errors are read into three
 * kinds: certainly not sent and worth retrying, certainly not sent and not worth retrying
 * (bad credentials, rejected recipient), and unknown (the message may have left).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

export type OutgoingMail = {
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
  /** Extra headers (`X-Case-ID`). */
  headers?: Record<string, string>;
};

export type MailDelivery = { status: 'sent' | 'outbox'; messageId: string; outboxPath?: string };

export type Mailer = {
  kind: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<MailDelivery>;
  /** Checks the connection and credentials (`doctor`); the outbox checks its folder. */
  verify(): Promise<void>;
  close(): void;
};

export type MailFailure = {
  /** `retry`: not sent, try later; `refused`: not sent, do not retry; `unknown`: may have been sent. */
  kind: 'retry' | 'refused' | 'unknown';
  /** Bad credentials: a configuration fault to show in `/healthz`. */
  auth: boolean;
  error: string;
};

const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
/** SMTP stages after which the server has not yet taken the message. */
const BEFORE_DATA = new Set([
  'CONN',
  'EHLO',
  'HELO',
  'LHLO',
  'STARTTLS',
  'AUTH PLAIN',
  'AUTH LOGIN',
  'MAIL FROM',
  'RCPT TO',
]);

/**
 * The mailer the configuration asks for: SMTP when `SMTP_URL` is set, else the outbox folder.
 *
 * @example
 * const mailer = makeMailer(config, log);
 * await mailer.send({ to, subject, text });
 */
export function makeMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'outboxDir'>, log: Logger): Mailer {
  if (!config.smtpUrl) return makeOutboxMailer(config.outboxDir, config.mailFrom, log);
  const transport = nodemailer.createTransport({ url: config.smtpUrl, ...SMTP_TIMEOUTS });
  return {
    kind: 'smtp',
    async send(mail) {
      const info = await transport.sendMail({ from: config.mailFrom, ...mail });
      return { status: 'sent', messageId: String(info.messageId) };
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}

/** A mailer that writes each message as an `.eml` file in `dir` and logs the path. */
export function makeOutboxMailer(dir: string, from: string, log: Logger): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'outbox',
    async send(mail) {
      const info = await transport.sendMail({ from, ...mail });
      mkdirSync(dir, { recursive: true });
      const messageId = String(info.messageId);
      const path = resolve(join(dir, `${Date.now()}-${randomUUID().slice(0, 8)}.eml`));
      writeFileSync(path, info.message as Buffer);
      log.info({ path }, 'notice written to outbox');
      return { status: 'outbox', messageId, outboxPath: path };
    },
    async verify() {
      mkdirSync(dir, { recursive: true });
    },
    close() {},
  };
}

/** Reads a nodemailer error. */
export function classifyMailError(err: unknown): MailFailure {
  const e = (err ?? {}) as { code?: string; command?: string; responseCode?: number; message?: string };
  const error = `${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${e.message ?? String(err)}`;
  if (e.code === 'EAUTH' || e.responseCode === 535 || e.responseCode === 530) {
    return { kind: 'refused', auth: true, error };
  }
  if (e.code === 'ECONNECTION' || e.code === 'EDNS' || e.code === 'ETLS' || e.code === 'EENVELOPE') {
    const refused = e.code === 'EENVELOPE' && (e.responseCode ?? 0) >= 500;
    return { kind: refused ? 'refused' : 'retry', auth: false, error };
  }
  if (e.command && BEFORE_DATA.has(e.command)) {
    return { kind: (e.responseCode ?? 0) >= 500 ? 'refused' : 'retry', auth: false, error };
  }
  return { kind: 'unknown', auth: false, error };
}
