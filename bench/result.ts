/** The shape every benchmark module returns to `bench/run.ts`. */

/** One measured figure. */
export type BenchRow = {
  name: string;
  value: number;
  unit: string;
  /** The goal, in words (`>= 2000`, `< 25`). */
  target?: string;
  /** How the value compares with something else in the same run (`41% of bare`). */
  comparison?: string;
};

/** What one benchmark module measured; `name` names its `bench/results/<name>.json`. */
export type BenchResult = {
  name: string;
  rows: BenchRow[];
  /** Conditions a reader needs (durability setting, machine, counts). */
  notes?: string[];
};

/** A benchmark module: `bench/run.ts` calls `run()` and prints the rows. */
export type BenchModule = { run(): Promise<BenchResult> };
