import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/agent/policy.ts';
import { processPending } from '../../src/agent/worker.ts';
import { piFailed } from './builders.ts';
import { ingest, jobsOf, makeDeps } from './harness.ts';

const NY = (ms: number) =>
  new Date(ms).toLocaleString('en-US', {
    timeZone: 'America/New_York',
    hour12: false,
    hour: '2-digit',
    minute: '2-digit',
  });

async function retryDue(failedAt: string, delay: string): Promise<number> {
  const at = Date.parse(failedAt);
  const { deps, db } = makeDeps({ policy: parsePolicy({ retryDelays: [delay] }), now: at + 1000 });
  ingest(db, piFailed({ created: at / 1000 }));
  await processPending(deps);
  return jobsOf(db, 'pi_test_1').find((j) => j.tool === 'retry_payment')!.due_at;
}

describe('retry due times are UTC epoch plus the delay', () => {
  it('adds 24 hours across the spring DST change (a 23-hour local day)', async () => {
    const due = await retryDue('2024-03-09T18:30:00-05:00', '24h');
    expect(due).toBe(Date.parse('2024-03-10T19:30:00-04:00'));
    expect(due - Date.parse('2024-03-09T18:30:00-05:00')).toBe(86_400_000);
    // Decided: 24 h means 86,400 s, so the local clock reads one hour later, not "same time tomorrow".
    expect(NY(due)).toBe('19:30');
  });

  it('adds 24 hours across the autumn DST change (a 25-hour local day)', async () => {
    const due = await retryDue('2024-11-02T18:30:00-04:00', '24h');
    expect(due).toBe(Date.parse('2024-11-03T17:30:00-05:00'));
    expect(NY(due)).toBe('17:30');
  });

  it('treats "1d" as exactly 86,400 seconds on the short day', async () => {
    const start = '2024-03-10T00:30:00-05:00';
    expect((await retryDue(start, '1d')) - Date.parse(start)).toBe(86_400_000);
  });

  it('treats "1d" as exactly 86,400 seconds on the long day', async () => {
    const start = '2024-11-03T00:30:00-04:00';
    expect((await retryDue(start, '1d')) - Date.parse(start)).toBe(86_400_000);
  });
});
