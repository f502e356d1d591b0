/**
 * What an executor tells the scheduler: a result to record (done, skipped, or a decline the
 * agent hears about through the inbox), or a thrown {@link JobError} saying whether trying
 * again may help. Any other thrown error counts as permanent: an executor bug must not loop.
 */
import type { WebClient } from '@slack/web-api';
import type Stripe from 'stripe';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { BillingAgentError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import type { JobRow } from '../store/jobs.ts';
import type { Mailer } from './mailer.ts';
import type { JobTool } from './schemas.ts';

/** What the executors work with. `shadow`: run and record everything, send nothing. */
export type ExecutorDeps = {
  db: Db;
  config: Config;
  log: Logger;
  clock: Clock;
  shadow: boolean;
  stripe?: Stripe;
  slack?: WebClient;
  mailer?: Mailer;
};

/** A finished attempt: `done` (the action was carried out), `skipped` (and why), `declined`. */
export type ExecResult = { outcome: 'done' | 'skipped' | 'declined'; result: Record<string, unknown> };

/** Runs one claimed job. */
export type Executor = (job: JobRow) => Promise<ExecResult>;

/** One executor per job tool. */
export type Executors = Record<JobTool, Executor>;

/** A failed attempt; `transient` failures are retried with backoff, others stop the job. */
export class JobError extends BillingAgentError {
  readonly transient: boolean;
  readonly code: string;
  readonly retryAfterMs: number | undefined;
  readonly detail: Record<string, unknown> | undefined;
  constructor(
    code: string,
    message: string,
    options: {
      transient: boolean;
      retryAfterMs?: number | undefined;
      detail?: Record<string, unknown>;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.transient = options.transient;
    this.retryAfterMs = options.retryAfterMs;
    this.detail = options.detail;
  }
}

/** Shorthand for a transient failure. */
export const transient = (
  code: string,
  message: string,
  extra: { retryAfterMs?: number; cause?: unknown } = {},
) => new JobError(code, message, { transient: true, ...extra });

/** Shorthand for a permanent failure. */
export const permanent = (
  code: string,
  message: string,
  extra: { detail?: Record<string, unknown>; cause?: unknown } = {},
) => new JobError(code, message, { transient: false, ...extra });
