/**
 * A small HTTP load generator for benchmarks: keeps a fixed number of requests in flight over
 * keep-alive connections to 127.0.0.1, bounded by a count and a time, and reports latency
 * percentiles and the rate.
 */
import { Agent, request } from 'node:http';

/** One kind of request to send. */
export type Scenario = {
  name: string;
  path: string;
  make(i: number): { headers: Record<string, string>; body: string };
};
/** What one turn of a scenario measured. */
export type Sample = { latencies: number[]; errors: number; seconds: number };
/** A scenario's pooled figures (latencies in ms). */
export type Measured = {
  name: string;
  count: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
};
/** Pools the samples of one scenario. */
export function summarise(name: string, samples: Sample[]): Measured {
  const latencies = samples.flatMap((x) => x.latencies).sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(100 * (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0)) /
    100;
  return {
    name,
    count: latencies.length,
    errors: samples.reduce((n, x) => n + x.errors, 0),
    seconds: samples.reduce((n, x) => n + x.seconds, 0),
    p50: pct(0.5),
    p99: pct(0.99),
  };
}

/**
 * Sends `total` requests built by `s.make(offset + i)`, `concurrency` at a time, for at most
 * `maxSeconds`.
 */
export async function load(
  s: Scenario,
  port: number,
  offset: number,
  total: number,
  concurrency: number,
  maxSeconds: number,
): Promise<Sample> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + maxSeconds * 1000;
  const worker = async () => {
    while (next < total && Date.now() < deadline) {
      const { headers, body } = s.make(offset + next++);
      const t0 = process.hrtime.bigint();
      const status = await post(agent, port, s.path, headers, body);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (status !== 200) errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { latencies, errors, seconds };
}

function post(
  agent: Agent,
  port: number,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
