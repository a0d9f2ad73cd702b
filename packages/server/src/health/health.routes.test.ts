import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../http/app.ts';
import { createHttpMetrics } from '../http/metrics.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { healthRoutes } from './health.routes.ts';

const TOKEN = 'metrics-token-0123456789';

async function appWith(metricsToken: string | undefined): Promise<App> {
  const app = await createHttpApp({
    authenticate: () => Promise.reject(new ApiError('unauthorized', 'no keys here')),
    metrics: createHttpMetrics(),
  });
  await app.register(healthRoutes({ checks: [], metrics: createHttpMetrics(), metricsToken }));
  await app.ready();
  return app;
}

describe('/metrics with KINO_METRICS_TOKEN', () => {
  let guarded: App;
  let open: App;
  beforeAll(async () => {
    guarded = await appWith(TOKEN);
    open = await appWith(undefined);
  });
  afterAll(async () => {
    await guarded.close();
    await open.close();
  });

  const scrape = (app: App, authorization?: string) =>
    app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

  it('answers 401 without the token or with another one', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, 'Bearer nope', TOKEN, `Basic ${TOKEN}`]) {
      const res = await scrape(guarded, authorization);
      expect(res.statusCode, authorization).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'unauthorized' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).not.toContain('kino_');
    }
  });

  it('serves the metrics with the token', async () => {
    const res = await scrape(guarded, `Bearer ${TOKEN}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('kino_process_cpu');
  });

  it('keeps /metrics open without a token set, and health checks open either way', async () => {
    expect((await scrape(open)).statusCode).toBe(200);
    expect((await guarded.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await guarded.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
