import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One request wrk sends in turn: a path and, optionally, a Range header. */
export interface WrkRequest {
  path: string;
  range?: string;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Response bytes (headers and bodies) per second. */
  bytesPerSecond: number;
  /** Non-2xx/3xx answers, and socket errors. */
  failures: number;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/**
 * Runs wrk (closed loop, keep-alive) against `url`, cycling through `requests` with a Lua script.
 *
 * @example await runWrk({ url, requests: [{ path: '/a.mp4', range: 'bytes=0-1023' }], seconds: 10,
 *            connections: 16, threads: 1, workDir })
 */
export async function runWrk(opts: {
  url: string;
  requests: readonly WrkRequest[];
  seconds: number;
  connections: number;
  threads: number;
  workDir: string;
}): Promise<WrkResult> {
  if (opts.requests.length === 0) throw new Error('wrk needs at least one request');
  const script = join(opts.workDir, `wrk-${Date.now()}-${Math.random().toString(36).slice(2)}.lua`);
  const quote = (s: string) => JSON.stringify(s);
  await writeFile(
    script,
    [
      `local paths = { ${opts.requests.map((r) => quote(r.path)).join(', ')} }`,
      `local ranges = { ${opts.requests.map((r) => quote(r.range ?? '')).join(', ')} }`,
      'local i = 0',
      'request = function()',
      '  i = i % #paths + 1',
      '  local headers = {}',
      '  if ranges[i] ~= "" then headers["Range"] = ranges[i] end',
      '  return wrk.format("GET", paths[i], headers)',
      'end',
      '',
    ].join('\n'),
  );
  const args = [
    '-t',
    String(opts.threads),
    '-c',
    String(opts.connections),
    '-d',
    `${opts.seconds}s`,
    '-s',
    script,
    opts.url,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(text);
      else reject(new Error(`wrk exited with ${String(code)}:\n${text}`));
    });
  });
  return parseWrk(output);
}

/** Reads wrk's summary: "N requests in Xs, Y.YYGB read", "Non-2xx or 3xx responses: M", socket errors. */
export function parseWrk(output: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(ms|s|m), ([\d.]+)(B|KB|MB|GB|TB) read/.exec(output);
  if (!total) throw new Error(`could not read wrk's output:\n${output}`);
  const requests = Number(total[1]);
  const seconds = Number(total[2]) / (total[3] === 'ms' ? 1000 : total[3] === 'm' ? 1 / 60 : 1);
  const bytes = Number(total[4]) * (UNITS[total[5] ?? 'B'] ?? 1);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests,
    seconds,
    requestsPerSecond: requests / seconds,
    bytesPerSecond: bytes / seconds,
    failures: non2xx + socketErrors,
  };
}
