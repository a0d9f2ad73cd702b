// Child process of latency-probe.ts. It sends one GET every `everyMs` on a fixed schedule, whether
// or not earlier ones have been answered (a stalled server then shows as many slow requests, not
// as one), and times each from its scheduled moment. Its own process, so the test's work does not
// delay the timings.
interface Start {
  url: string;
  headers: Record<string, string>;
  everyMs: number;
}

const MAX_IN_FLIGHT = 1000;
const times: number[] = [];
const sentAt: number[] = [];
const failures: string[] = [];
let inFlight = 0;
let timer: NodeJS.Timeout | undefined;

function start({ url, headers, everyMs }: Start): void {
  const first = performance.now();
  let n = 0;
  const tick = (): void => {
    const scheduled = first + n * everyMs;
    n++;
    timer = setTimeout(tick, Math.max(0, first + n * everyMs - performance.now()));
    if (inFlight >= MAX_IN_FLIGHT) {
      failures.push('too many requests in flight');
      return;
    }
    inFlight++;
    const wallClock = Date.now();
    fetch(url, { headers })
      .then(async (res) => {
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        times.push(performance.now() - scheduled);
        sentAt.push(wallClock);
      })
      .catch((error: unknown) => {
        failures.push(error instanceof Error ? error.message : String(error));
      })
      .finally(() => {
        inFlight--;
      });
  };
  tick();
}

async function stop(): Promise<void> {
  clearTimeout(timer);
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  process.send?.({ times, sentAt, failures }, () => process.exit(0));
}

// The test process is gone (it crashed or was killed): so is the reason to measure.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: { start?: Start; stop?: true }) => {
  if (message.start) start(message.start);
  if (message.stop) void stop();
});
