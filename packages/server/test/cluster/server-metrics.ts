/** How one route's requests fared inside Kino (its own histogram), summed over processes. */
export interface ServerSideLatency {
  requests: number;
  /** Share of requests that took longer than 50 ms / 100 ms inside Kino. */
  over50ms: number;
  over100ms: number;
  /** The highest event-loop delay p99 among the processes, ms. */
  eventLoopLagP99Ms: number;
}

/**
 * Reads each process's /metrics: Kino's request-duration histogram for one route, and Node's
 * event-loop delay. Set beside a client's timings, it tells time spent in Kino from time spent
 * getting to it (nginx, a CPU queue).
 */
export async function serverSideLatency(
  urls: string[],
  method: string,
  route: string,
): Promise<ServerSideLatency> {
  const buckets = new Map<string, number>();
  let lag = 0;
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      const bucket = /^kino_http_request_duration_seconds_bucket\{([^}]*)\} (\d+)/.exec(line);
      if (bucket?.[1]?.includes(`method="${method}"`) && bucket[1].includes(`route="${route}"`)) {
        const le = /le="([^"]+)"/.exec(bucket[1])?.[1] ?? '';
        buckets.set(le, (buckets.get(le) ?? 0) + Number(bucket[2]));
      }
      const loop = /^kino_nodejs_eventloop_lag_p99_seconds (\S+)/.exec(line);
      if (loop?.[1]) lag = Math.max(lag, Number(loop[1]) * 1000);
    }
  }
  const total = buckets.get('+Inf') ?? 0;
  const share = (le: string) => (total ? (total - (buckets.get(le) ?? 0)) / total : 0);
  return { requests: total, over50ms: share('0.05'), over100ms: share('0.1'), eventLoopLagP99Ms: lag };
}
