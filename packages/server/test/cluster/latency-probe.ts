import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface LatencyReport {
  /** Response times of the successful requests in ms, from the moment each was due to be sent. */
  times: number[];
  /** When each of them was sent (epoch ms). */
  sentAt: number[];
  failures: string[];
}

/**
 * Measures an endpoint's response time from another process while a test loads the system: one
 * GET every `everyMs` on a fixed schedule, however long the earlier ones take (no coordinated
 * omission: a stall is counted for every request it delays).
 */
export function startLatencyProbe(url: string, headers: Record<string, string>, everyMs = 50) {
  // Its own session: where the kernel shares CPU time between sessions (autogroup), the probe
  // then stands apart from the load this process generates, as a client on another machine would.
  const child = fork(fileURLToPath(new URL('./latency-probe-process.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    stdio: 'ignore',
    detached: true,
  });
  const report = new Promise<LatencyReport>((resolve, reject) => {
    child.once('message', (message) => {
      resolve(message as LatencyReport);
    });
    child.once('exit', (code) => {
      reject(new Error(`the latency probe exited (${String(code)}) without a report`));
    });
  });
  // Killed without a report (a failed test cleaning up): nobody waits for one then.
  report.catch(() => undefined);
  child.send({ start: { url, headers, everyMs } });
  return {
    async stop(): Promise<LatencyReport> {
      child.send({ stop: true });
      return report;
    },
    kill(): void {
      child.kill('SIGKILL');
    },
  };
}

/** The value below which `fraction` of the sorted values fall (nearest rank). */
export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}
