/**
 * Prometheus metrics, served at `GET /metrics`. One registry per daemon (tests make their own),
 * so every counter here is created by {@link makeMetrics}, never at import time.
 */
import client from 'prom-client';

/** Functions read at scrape time for the gauges that describe the database. */
export type MetricCollectors = { casesOpen?: () => number; inboxBacklog?: () => number };

/** Makes the registry and every metric the daemon exports. */
export function makeMetrics(collectors: MetricCollectors = {}) {
  const registry = new client.Registry();
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new client.Counter<L>({ name, help, labelNames, registers: [registry] });
  const gauge = (name: string, help: string, collect?: () => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      ...(collect
        ? {
            collect() {
              this.set(collect());
            },
          }
        : {}),
    });

  return {
    registry,
    eventsReceived: counter(
      'billing_agent_events_received_total',
      'Requests and lines received, by route and outcome',
      ['route', 'outcome'] as const,
    ),
    decisions: counter('billing_agent_decisions_total', 'Decisions recorded, by planner and verdict', [
      'planner',
      'verdict',
    ] as const),
    guardrailRejections: counter(
      'billing_agent_guardrail_rejections_total',
      'Proposed actions rejected, by rule',
      ['rule'] as const,
    ),
    plannerFallbacks: counter(
      'billing_agent_planner_fallbacks_total',
      'Decisions the rules planner took over',
      ['cause'] as const,
    ),
    modelLatency: new client.Histogram({
      name: 'billing_agent_model_latency_seconds',
      help: 'Messages API call latency',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    modelTokens: counter('billing_agent_model_tokens_total', 'Model tokens, by kind', ['kind'] as const),
    jobs: counter('billing_agent_jobs_total', 'Job runs, by tool and result', ['tool', 'result'] as const),
    casesOpen: gauge('billing_agent_cases_open', 'Cases not yet closed', collectors.casesOpen),
    inboxBacklog: gauge(
      'billing_agent_inbox_backlog',
      'Inbox rows waiting for the worker',
      collectors.inboxBacklog,
    ),
  };
}

export type Metrics = ReturnType<typeof makeMetrics>;
