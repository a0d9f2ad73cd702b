import type { BenchContext } from './harness.ts';
import { freePort, startNodeServer, type ServerProcess } from './processes.ts';

const OPERATOR = 'bench-live-operator-key-0123456789';

export interface LiveKino {
  server: ServerProcess;
  /** A tenant's full-scope key. */
  key: string;
  /** JSON API call with the tenant's key; throws on a non-2xx answer. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/**
 * A real `kino serve` (SQLite and local disk in `dataDir`, all roles, RTMP and SRT on free ports) with
 * one tenant, stopped with the benchmark's scope.
 */
export async function startLiveKino(ctx: BenchContext, dataDir: string): Promise<LiveKino> {
  const port = await freePort();
  const rtmpPort = await freePort();
  const srtPort = await freePort();
  const server = ctx.scope.track(
    await startNodeServer({
      name: 'kino',
      args: ['--import', 'tsx', 'packages/server/src/main.ts', 'serve'],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        KINO_PORT: String(port),
        KINO_HOST: '127.0.0.1',
        KINO_DATA_DIR: dataDir,
        KINO_ADMIN_KEY: OPERATOR,
        KINO_RTMP_PORT: String(rtmpPort),
        // A free port: the default 8890 could be taken by another Kino on the machine.
        KINO_SRT_PORT: String(srtPort),
        KINO_LIVE_PUBLIC_HOST: '127.0.0.1',
        KINO_LOG_LEVEL: 'warn',
        KINO_RATE_LIMIT_PER_MINUTE: '0',
      },
      port,
      cwd: ctx.repoRoot,
      readyPath: '/readyz',
    }),
  );
  const call = async <T>(method: string, path: string, bearer: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const { apiKey } = await call<{ apiKey: string }>('POST', '/v1/tenants', OPERATOR, { name: 'bench' });
  return { server, key: apiKey, api: (method, path, body) => call(method, path, apiKey, body) };
}
