/**
 * A real SMTP server (`smtp-server`) on 127.0.0.1 that keeps every message it receives, parsed
 * just enough to assert on: envelope sender and recipients, headers, the decoded subject and the
 * decoded text body. For tests and `billing-agent demo`.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type CaughtMail = {
  from: string | undefined;
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
  raw: string;
};

export type SmtpCatcher = {
  /** `smtp://127.0.0.1:<port>`, ready for `SMTP_URL`. */
  url: string;
  port: number;
  messages: CaughtMail[];
  /** Reject the next `count` messages with this SMTP reply code at RCPT (e.g. 450, 550). */
  rejectNext(code: number, count?: number): void;
  close(): Promise<void>;
};

/**
 * Starts the catcher; with `auth`, only that user and password are accepted.
 *
 * @example
 * const smtp = await startSmtpCatcher();
 * const mailer = makeMailer({ smtpUrl: smtp.url, mailFrom, outboxDir }, log);
 */
export async function startSmtpCatcher(
  options: { auth?: { user: string; pass: string }; port?: number } = {},
): Promise<SmtpCatcher> {
  const messages: CaughtMail[] = [];
  let reject: { code: number; count: number } | undefined;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: !options.auth,
    logger: false,
    onAuth(auth, _session, cb) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        return cb(null, { user: auth.username });
      }
      return cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, cb) {
      if (reject && reject.count > 0) {
        reject.count -= 1;
        return cb(Object.assign(new Error('Recipient rejected'), { responseCode: reject.code }));
      }
      return cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseMessage(raw);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          ...parsed,
          raw,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: options.auth
      ? `smtp://${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@127.0.0.1:${port}`
      : `smtp://127.0.0.1:${port}`,
    port,
    messages,
    rejectNext: (code, count = 1) => {
      reject = { code, count };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Splits headers and body, and decodes the subject and a single-part or first text/plain body. */
export function parseMessage(raw: string): {
  subject: string;
  text: string;
  headers: Record<string, string>;
} {
  const [head, ...rest] = raw.replace(/\r\n/g, '\n').split('\n\n');
  const headers = parseHeaders(head ?? '');
  let body = rest.join('\n\n');
  let type = headers['content-type'] ?? 'text/plain';
  let encoding = headers['content-transfer-encoding'] ?? '7bit';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (boundary) {
    const parts = body.split(`--${boundary}`).slice(1, -1);
    const plain =
      parts.map((p) => p.replace(/^\n/, '')).find((p) => /content-type:\s*text\/plain/i.test(p)) ?? '';
    const [partHead, ...partBody] = plain.split('\n\n');
    const partHeaders = parseHeaders(partHead ?? '');
    body = partBody.join('\n\n').replace(/\n$/, '');
    type = partHeaders['content-type'] ?? 'text/plain';
    encoding = partHeaders['content-transfer-encoding'] ?? '7bit';
  }
  return { subject: decodeWords(headers.subject ?? ''), text: decodeBody(body, encoding), headers };
}

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

function decodeBody(body: string, encoding: string): string {
  const enc = encoding.toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    const bytes = body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => `%${h}`);
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  }
  return body;
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, text: string) => {
      if (kind.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      const hex = text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => `%${h}`);
      return decodeURIComponent(hex.replace(/%(?![0-9A-F]{2})/gi, '%25'));
    });
}
