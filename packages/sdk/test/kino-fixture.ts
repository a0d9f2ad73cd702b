import { startKinoProcess, type KinoProcess } from '../../server/test/e2e/kino-process.ts';

export interface SdkTestKino {
  kino: KinoProcess;
  /** A full-scope key of a fresh tenant. */
  apiKey: string;
  /** The port Kino listens on (for proxies in front of it). */
  port: number;
}

/** A running `kino serve` (SQLite, local disk) with one tenant; webhooks may reach 127.0.0.1. */
export async function startSdkTestKino(): Promise<SdkTestKino> {
  const kino = await startKinoProcess({ KINO_IMPORT_ALLOW_PRIVATE: '1', KINO_RATE_LIMIT_PER_MINUTE: '0' });
  const res = await fetch(`${kino.baseUrl}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${kino.operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'sdk' }),
  });
  if (res.status !== 201) throw new Error(`tenant creation answered ${res.status}: ${await res.text()}`);
  const { apiKey } = (await res.json()) as { apiKey: string };
  return { kino, apiKey, port: Number(new URL(kino.baseUrl).port) };
}
