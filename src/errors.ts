/** The project's one error base class and the errors other modules share. */

/** Base of every error the billing agent raises on purpose. */
export class BillingAgentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A command was called with arguments it does not take (exit code 2). */
export class UsageError extends BillingAgentError {}

/** An outside service failed; `transient` says whether trying again may help. */
export class UpstreamError extends BillingAgentError {
  readonly service: string;
  readonly transient: boolean;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    service: string,
    message: string,
    details: {
      transient: boolean;
      status?: number;
      requestId?: string;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.service = service;
    this.transient = details.transient;
    this.status = details.status;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
  }
}
