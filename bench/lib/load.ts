import http from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** Where requests go; `path()` is called once per request, so it can rotate over many resources. */
export interface LoadTarget {
  /** http://host:port */
  url: string;
  headers: Record<string, string>;
  path: () => string;
}

export interface LoadResult {
  /** Requests answered with a 2xx status. */
  ok: number;
  /** Non-2xx answers, connection errors and timeouts. */
  failures: number;
  requestsPerSecond: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** A fixed-rate run stopped early: more than a second's worth of requests were waiting for an answer. */
  overloaded: boolean;
}

/**
 * An open-loop load at a constant rate: request i is sent at start + i / rate whatever happened to
 * the earlier ones (a new connection opens when every open one is busy), so a stalled server shows
 * up in the percentiles instead of silently lowering the rate. Latency runs from the moment the
 * request is handed to the HTTP client, so the 1 ms granularity of the generator's timer does not
 * count against the server. When more than a second's worth of requests wait for an answer the
 * server cannot sustain the rate: sending stops, the run reports `overloaded`, and its percentiles
 * describe the growing queue up to then.
 *
 * autocannon's `overallRate` is not used here: each of its connections sends its quota for a second
 * back to back at the start of that second, so it measures bursts, not a steady rate.
 */
export async function fixedRate(
  target: LoadTarget,
  opts: { rate: number; seconds: number; maxSockets?: number },
): Promise<LoadResult> {
  const base = new URL(target.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 256 });
  let total = Math.round(opts.rate * opts.seconds);
  let overloaded = false;
  const interval = 1000 / opts.rate;
  const latencies = new Float64Array(total);
  let ok = 0;
  let failures = 0;
  let completed = 0;
  let sent = 0;
  let lastAnswer = 0;
  const start = performance.now();
  try {
    await new Promise<void>((resolve) => {
      const send = (): void => {
        const begun = performance.now();
        let settled = false;
        const settle = (good: boolean): void => {
          if (settled) return;
          settled = true;
          lastAnswer = performance.now();
          if (good) latencies[ok++] = lastAnswer - begun;
          else failures++;
          if (++completed === total) resolve();
        };
        const req = http.request(
          { hostname: base.hostname, port: base.port, path: target.path(), headers: target.headers, agent },
          (res) => {
            const good = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
            res.on('end', () => {
              settle(good);
            });
            res.on('error', () => {
              settle(false);
            });
            res.resume();
          },
        );
        req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
        req.on('error', () => {
          settle(false);
        });
        req.end();
      };
      const tick = (): void => {
        if (sent - completed > opts.rate) {
          overloaded = true;
          total = sent;
          return;
        }
        const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
        while (sent < due) {
          send();
          sent++;
        }
        if (sent < total) setTimeout(tick, 1);
      };
      tick();
    });
  } finally {
    agent.destroy();
  }
  const sorted = latencies.subarray(0, ok).sort();
  return {
    ok,
    failures,
    requestsPerSecond: completed / ((lastAnswer - start) / 1000),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    overloaded,
  };
}

/**
 * As many requests as `connections` keep-alive connections can get answered (autocannon, closed
 * loop). Requests/s is autocannon's mean of its per-second samples; the percentiles come from every
 * answer's own time, because autocannon's histogram keeps whole milliseconds only.
 */
export async function maxThroughput(
  target: LoadTarget,
  opts: { seconds: number; connections: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections: opts.connections,
        duration: opts.seconds,
        headers: target.headers,
        requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: target.path() }) }],
      },
      (error: unknown, res: autocannon.Result) => {
        if (error) reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
        else resolve(res);
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  const sorted = Float64Array.from(latencies).sort();
  return {
    ok: result['2xx'],
    failures: result.non2xx + result.errors,
    requestsPerSecond: result.requests.average,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    overloaded: false,
  };
}

/** Nearest-rank percentile of ascending values; NaN when there are none. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}
