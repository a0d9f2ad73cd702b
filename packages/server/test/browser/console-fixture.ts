import type { Page } from 'playwright-core';
import type { MediaJson } from '../../src/media/media.schemas.ts';
import { startKinoProcess, type KinoProcess } from '../e2e/kino-process.ts';

/** A Kino process with a tenant and people in it, for driving the console in a browser. */
export interface ConsoleKino {
  kino: KinoProcess;
  tenant: { id: string; name: string; apiKey: string };
  /** Passwords of the people below. */
  password: string;
  admin: string;
  viewer: string;
  operator: string;
  /** Calls the API with a key (the operator's by default). */
  api<T>(method: string, path: string, body?: unknown, key?: string): Promise<T>;
  stop(): Promise<void>;
}

const PASSWORD = 'console-test-password-1';

/**
 * Starts `kino serve` (serving the built console) and sets up, through the API: a tenant, an admin
 * and a viewer in it, and an operator user.
 */
export async function startConsoleKino(env: Record<string, string> = {}): Promise<ConsoleKino> {
  const kino = await startKinoProcess(env);
  const api = async <T>(method: string, path: string, body?: unknown, key = kino.operatorKey): Promise<T> => {
    const res = await fetch(`${kino.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  try {
    const tenant = await api<ConsoleKino['tenant']>('POST', '/v1/tenants', { name: 'Acme Media' });
    const member = (email: string, name: string, role: string) =>
      api('POST', `/v1/users?tenantId=${tenant.id}`, { email, name, role, password: PASSWORD });
    await member('admin@acme.test', 'Ada Admin', 'admin');
    await member('viewer@acme.test', 'Vic Viewer', 'viewer');
    await api('POST', '/v1/operator/users', {
      email: 'ops@kino.test',
      password: PASSWORD,
      name: 'Olga Operator',
    });
    return {
      kino,
      tenant,
      password: PASSWORD,
      admin: 'admin@acme.test',
      viewer: 'viewer@acme.test',
      operator: 'ops@kino.test',
      api,
      stop: async () => {
        await kino.stop();
      },
    };
  } catch (err) {
    await kino.stop();
    throw err;
  }
}

/** Signs in through the console's form and waits for the first page after it. */
export async function logIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 10_000 });
}

/** Waits until a media is playable (through the API), failing early if it errors. */
export async function waitForPlayable(
  kino: ConsoleKino,
  id: string,
  opts: { ready?: boolean; timeoutMs?: number } = {},
): Promise<MediaJson> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const media = await kino.api<MediaJson>('GET', `/v1/media/${id}`, undefined, kino.tenant.apiKey);
    if (opts.ready ? media.status === 'ready' : media.playable) return media;
    if (media.status === 'errored' || Date.now() > deadline) {
      throw new Error(
        `media ${id} is ${media.status}: ${JSON.stringify(media.error)}\n${kino.kino.output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Polls a JavaScript expression in the page until it is true. (Playwright's waitForFunction with a
 * string needs eval in the page, which the console's CSP forbids.)
 */
export async function waitUntilTrue(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(`Boolean(${expression})`))) {
    if (Date.now() > deadline) throw new Error(`still false after ${timeoutMs} ms: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
