import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';

describe.each(DIALECTS)('capture agents on %s', (dialect) => {
  let k: TestKino;
  let school: { id: string; key: string };
  let other: { id: string; key: string };
  beforeAll(async () => {
    k = await startTestKino(dialect);
    school = await k.tenant('school');
    other = await k.tenant('other');
  });
  afterAll(() => k.close());

  it('registers an agent with an upload key, schedules on it, and hands the schedules over with a heartbeat', async () => {
    const upload = await k.key(school.id, 'upload');
    const created = await k.call(upload, 'POST', '/v1/capture-agents', { name: 'Room 101' });
    expect(created.statusCode, created.body).toBe(201);
    const agent = created.json<{ id: string; status: string }>();
    expect(agent.status).toBe('never-seen');

    const startsAt = new Date(Date.now() + 60_000).toISOString();
    const scheduled = await k.call(school.key, 'POST', '/v1/capture-schedules', {
      agentId: agent.id,
      title: 'Physics 1',
      startsAt,
      durationSeconds: 3000,
      source: 'lavfi:testsrc2',
    });
    expect(scheduled.statusCode, scheduled.body).toBe(201);
    // An upload key adds recordings, it does not plan them.
    expect(
      (
        await k.call(upload, 'POST', '/v1/capture-schedules', {
          agentId: agent.id,
          title: 'x',
          startsAt,
          durationSeconds: 10,
        })
      ).statusCode,
    ).toBe(403);

    const beat = await k.call(upload, 'POST', `/v1/capture-agents/${agent.id}/heartbeat`, {
      version: '0.1.0',
    });
    expect(beat.statusCode, beat.body).toBe(200);
    expect(beat.json()).toMatchObject({
      status: 'online',
      version: '0.1.0',
      nextSchedules: [{ title: 'Physics 1', startsAt, durationSeconds: 3000, source: 'lavfi:testsrc2' }],
    });
    const list = (await k.call(school.key, 'GET', '/v1/capture-agents')).json<{ items: { id: string }[] }>();
    expect(list.items.map((a) => a.id)).toEqual([agent.id]);

    // Another tenant sees no agent, cannot beat for it nor schedule on it.
    expect((await k.call(other.key, 'GET', '/v1/capture-agents')).json()).toEqual({ items: [] });
    expect((await k.call(other.key, 'POST', `/v1/capture-agents/${agent.id}/heartbeat`, {})).statusCode).toBe(
      404,
    );
    const foreign = await k.call(other.key, 'POST', '/v1/capture-schedules', {
      agentId: agent.id,
      title: 'x',
      startsAt,
      durationSeconds: 10,
    });
    expect(foreign.statusCode).toBe(404);
    expect((await k.call(null, 'GET', '/v1/capture-agents')).statusCode).toBe(401);
  });
});
