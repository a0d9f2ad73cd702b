import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
}

/** A registry per server, so several servers in one test process do not share counters. */
export function createHttpMetrics(registry = new Registry()): HttpMetrics {
  collectDefaultMetrics({ register: registry, prefix: 'kino_' });
  const requestDuration = new Histogram({
    name: 'kino_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  return { registry, requestDuration };
}
