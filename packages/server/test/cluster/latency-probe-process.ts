// Child process of latency-probe.ts: GETs one URL at a steady pace, sequentially, and sends back
// every response time (ms) when told to stop. Its own process, so the test's work does not
// delay its timings.
interface Start {
  url: string;
  headers: Record<string, string>;
  everyMs: number;
}

const times: number[] = [];
const sentAt: number[] = [];
const failures: string[] = [];
let stopping = false;

async function run({ url, headers, everyMs }: Start): Promise<void> {
  while (!stopping) {
    const started = performance.now();
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.ok) {
        times.push(performance.now() - started);
        sentAt.push(Date.now());
      } else failures.push(`HTTP ${res.status}`);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
    const rest = everyMs - (performance.now() - started);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  }
  process.send?.({ times, sentAt, failures }, () => process.exit(0));
}

// The test process is gone (it crashed or was killed): so is the reason to measure.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: { start?: Start; stop?: true }) => {
  if (message.start) void run(message.start);
  if (message.stop) stopping = true;
});
