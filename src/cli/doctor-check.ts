/**
 * What one `doctor` check reports, and the timeout every check runs under, so that one
 * service that never answers cannot hang the command.
 */

export type CheckStatus = 'ok' | 'problem' | 'skipped';

export type CheckResult = {
  check: string;
  status: CheckStatus;
  /** What was found, in a few words. */
  detail: string;
  /** What to do about it; empty when there is nothing to do. */
  fix: string;
};

/** One named check; `run` receives the time budget it has in milliseconds. */
export type Check = { name: string; run(timeoutMs: number): Promise<Omit<CheckResult, 'check'>> };

/** Result builders for a check: fine, a problem with its fix, or not applicable. */
export const ok = (detail: string, fix = '') => ({ status: 'ok' as const, detail, fix });
export const problem = (detail: string, fix: string) => ({ status: 'problem' as const, detail, fix });
export const skipped = (detail: string, fix = '') => ({ status: 'skipped' as const, detail, fix });

/** The message of anything thrown, on one line. */
export function errorText(error: unknown): string {
  const e = error as { message?: unknown; code?: unknown };
  const text = typeof e?.message === 'string' ? e.message : String(error);
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Runs a check with a hard deadline: a check still running after `timeoutMs` (plus a small
 * grace for its own client timeout to fire first) becomes a problem "timed out".
 */
export async function runCheck(check: Check, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Omit<CheckResult, 'check'>>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          problem(`no answer within ${Math.round(timeoutMs / 1000)} s`, 'check the address and the network'),
        ),
      timeoutMs + 500,
    );
    timer.unref();
  });
  try {
    const result = await Promise.race([
      check.run(timeoutMs).catch((error: unknown) => problem(errorText(error), 'see the error above')),
      deadline,
    ]);
    return { check: check.name, ...result };
  } finally {
    clearTimeout(timer);
  }
}
