import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';

type JobJson = { id: string; state: string; tenantId: string | null; type: string };
type Page = { items: JobJson[]; nextCursor: string | null };

describe.each(DIALECTS)('/v1/jobs on %s', (dialect) => {
  let kino: TestKino;
  beforeAll(async () => {
    kino = await startTestKino(dialect);
  });
  afterAll(() => kino.close());

  const enqueue = (tenantId: string) =>
    kino.jobs.queue.add({ type: 'maintenance.prune-jobs', payload: { keepFinishedForMs: 1000 }, tenantId });

  it('shows the operator every tenant and a tenant only its own jobs', async () => {
    const a = await kino.tenant('a');
    const b = await kino.tenant('b');
    const ja = (await enqueue(a.id)).job;
    const jb = (await enqueue(b.id)).job;
    const all = (await kino.call(OPERATOR_KEY, 'GET', '/v1/jobs?limit=200')).json<Page>();
    expect(all.items.map((j) => j.id)).toEqual(expect.arrayContaining([ja.id, jb.id]));
    const onlyB = (await kino.call(OPERATOR_KEY, 'GET', `/v1/jobs?tenant=${b.id}`)).json<Page>();
    expect(onlyB.items.map((j) => j.id)).toEqual([jb.id]);
    // A tenant's own filter cannot widen its view.
    const mine = (await kino.call(a.key, 'GET', `/v1/jobs?tenant=${b.id}`)).json<Page>();
    expect(mine.items.map((j) => j.id)).toEqual([ja.id]);
    expect((await kino.call(a.key, 'GET', `/v1/jobs/${jb.id}`)).statusCode).toBe(404);
    expect((await kino.call(a.key, 'POST', `/v1/jobs/${jb.id}/cancel`)).statusCode).toBe(404);
    const read = await kino.key(a.id, 'read');
    expect((await kino.call(read, 'GET', '/v1/jobs')).statusCode).toBe(403);
  });

  it('cancels, refuses to cancel twice, and retries', async () => {
    const t = await kino.tenant('c');
    const job = (await enqueue(t.id)).job;
    const cancelled = await kino.call(t.key, 'POST', `/v1/jobs/${job.id}/cancel`);
    expect(cancelled.json()).toMatchObject({ id: job.id, state: 'cancelled' });
    const again = await kino.call(t.key, 'POST', `/v1/jobs/${job.id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'conflict' });
    const retried = await kino.call(OPERATOR_KEY, 'POST', `/v1/jobs/${job.id}/retry`);
    expect(retried.json()).toMatchObject({ state: 'available' });
    const byState = (await kino.call(t.key, 'GET', '/v1/jobs?state=available')).json<Page>();
    expect(byState.items.map((j) => j.id)).toContain(job.id);
  });

  it('exposes queue depth and the oldest waiting job in /metrics', async () => {
    const metrics = (await kino.call(null, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/kino_jobs\{type="maintenance.prune-jobs",state="available"\} \d+/);
    expect(metrics).toMatch(/kino_jobs_oldest_waiting_seconds \d/);
  });
});
