import { describe, expect, it } from 'vitest';
import type { PlannerContext } from '../../src/agent/context-types.ts';
import { decide } from '../../src/agent/decide.ts';
import { DEFAULT_POLICY } from '../../src/agent/policy.ts';
import { makeRulesPlanner } from '../../src/agent/rules-planner.ts';
import { processPending } from '../../src/agent/worker.ts';
import { listDecisions } from '../../src/store/decisions.ts';
import { piFailed, T0 } from './builders.ts';
import { ingest, makeDeps } from './harness.ts';

const S = Math.floor(T0 / 1000);

describe('recorded contexts', () => {
  it('re-decide offline to the same actions', async () => {
    const { deps, db } = makeDeps();
    const declines = [
      { decline_code: 'insufficient_funds' },
      { decline_code: 'generic_decline' },
      { code: 'expired_card' },
    ];
    for (const [i, decline] of declines.entries()) {
      ingest(db, piFailed({ charge: `ch_rp${i}`, created: S + i * 3600, decline }));
      await processPending(deps);
      db.prepare(`UPDATE jobs SET state = 'done'`).run();
    }
    const recorded = listDecisions(db, 'pi_test_1');
    expect(recorded).toHaveLength(3);
    for (const row of recorded) {
      const again = await decide(row.context as PlannerContext, makeRulesPlanner(), DEFAULT_POLICY);
      expect(again.actions).toEqual(row.actions);
      expect(again.proposals).toEqual(row.proposals);
    }
  });
});
