import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/agent/policy.ts';
import { processPending } from '../../src/agent/worker.ts';
import { getMeta, META_KEYS } from '../../src/store/meta.ts';
import { piFailed, T0 } from './builders.ts';
import { ingest, jobsOf, makeDeps, rows } from './harness.ts';

const S = Math.floor(T0 / 1000);

describe('processor outage (storm)', () => {
  it('holds retries back, keeps customers out of it and raises one incident', async () => {
    const policy = parsePolicy({ storm: { threshold: 3, window: '1m', holdFor: '15m' } });
    const { deps, db } = makeDeps({ policy });
    for (let i = 0; i < 6; i++) {
      ingest(
        db,
        piFailed({
          pi: `pi_storm_${i}`,
          created: S + i,
          decline: { code: 'processing_error' },
          fingerprint: `fp_${i}`,
        }),
      );
    }
    await processPending(deps);
    const incidents = rows(db, `SELECT case_id, args_json FROM jobs WHERE tool = 'escalate_to_human'`);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.case_id).toMatch(/^incident:2026-/);
    expect(JSON.parse(incidents[0]!.args_json as string)).toMatchObject({ kind: 'incident' });
    for (let i = 0; i < 6; i++) {
      const jobs = jobsOf(db, `pi_storm_${i}`);
      const retry = jobs.find((j) => j.tool === 'retry_payment');
      expect(retry).toBeDefined();
      if (i >= 2) {
        expect(retry!.due_at).toBeGreaterThanOrEqual((S + i) * 1000 + 15 * 60_000);
        expect(jobs.some((j) => j.tool === 'notify_customer')).toBe(false);
      }
    }
    expect(getMeta(db, META_KEYS.storm)).toMatchObject({ count: 6 });
  });

  it('leaves a few processing errors alone', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ pi: 'pi_calm', decline: { code: 'processing_error' } }));
    await processPending(deps);
    expect(jobsOf(db, 'pi_calm').find((j) => j.tool === 'retry_payment')!.due_at).toBe(T0 + 1_800_000);
    expect(getMeta(db, META_KEYS.storm)).toBeUndefined();
  });
});
