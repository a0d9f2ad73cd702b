import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import type { MediaJson } from './media.schemas.ts';

type Page = { items: MediaJson[]; nextCursor: string | null };

describe.each(DIALECTS)('/v1/media on %s', (dialect) => {
  let kino: TestKino;
  beforeAll(async () => {
    kino = await startTestKino(dialect);
  });
  afterAll(() => kino.close());

  it('creates a waiting media and reads, changes and deletes it', async () => {
    const { key } = await kino.tenant();
    const created = await kino.call(key, 'POST', '/v1/media', {
      title: '  Onboarding  ',
      tags: ['hr', 'hr', 'intro'],
      visibility: 'private',
    });
    expect(created.statusCode).toBe(201);
    const media = created.json<MediaJson>();
    expect(media).toMatchObject({
      title: 'Onboarding',
      description: '',
      tags: ['hr', 'intro'],
      visibility: 'private',
      status: 'waiting',
      playable: false,
      playback: null,
      renditions: [],
      error: null,
    });
    expect(media.id).toMatch(/^med_/);

    const patched = await kino.call(key, 'PATCH', `/v1/media/${media.id}`, {
      visibility: 'public',
      tags: [],
    });
    expect(patched.json()).toMatchObject({ visibility: 'public', tags: [], title: 'Onboarding' });
    expect((await kino.call(key, 'GET', `/v1/media/${media.id}`)).json()).toMatchObject({
      visibility: 'public',
    });
    expect((await kino.call(key, 'DELETE', `/v1/media/${media.id}`)).statusCode).toBe(204);
    const gone = await kino.call(key, 'GET', `/v1/media/${media.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ code: 'not_found' });
  });

  it("answers 404 for another tenant's media, whatever the verb", async () => {
    const a = await kino.tenant('a');
    const b = await kino.tenant('b');
    const media = (await kino.call(a.key, 'POST', '/v1/media', { title: 'A only' })).json<MediaJson>();
    for (const [method, body] of [['GET'], ['PATCH', { title: 'mine now' }], ['DELETE']] as const) {
      const res = await kino.call(b.key, method, `/v1/media/${media.id}`, body);
      expect(res.statusCode, method).toBe(404);
      expect(res.json()).toMatchObject({ code: 'not_found' });
    }
    expect((await kino.call(b.key, 'GET', '/v1/media')).json<Page>().items).toEqual([]);
    expect((await kino.call(a.key, 'GET', `/v1/media/${media.id}`)).json()).toMatchObject({
      title: 'A only',
    });
  });

  it.each([
    ['unknown field', 'POST', '/v1/media', { title: 'x', owner: 'me' }],
    ['wrong type', 'POST', '/v1/media', { title: 42 }],
    ['bad visibility', 'POST', '/v1/media', { visibility: 'secret' }],
    ['too many tags', 'POST', '/v1/media', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }],
    ['empty patch', 'PATCH', '/v1/media/med_x', {}],
    ['limit out of range', 'GET', '/v1/media?limit=0', undefined],
    ['unknown status', 'GET', '/v1/media?status=done', undefined],
    ['forged cursor', 'GET', '/v1/media?cursor=bm90LWEtY3Vyc29y', undefined],
  ] as const)('answers 400 invalid_request for %s', async (_name, method, url, body) => {
    const { key } = await kino.tenant();
    const res = await kino.call(key, method, url, body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, code: 'invalid_request', detail: expect.any(String) });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const { key } = await kino.tenant();
    const res = await kino.app.inject({
      method: 'POST',
      url: '/v1/media',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: '{"title":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('pages without duplicates or gaps while media are being added', async () => {
    const { key } = await kino.tenant();
    const original: string[] = [];
    for (let i = 0; i < 45; i++) {
      original.push((await kino.call(key, 'POST', '/v1/media', { title: `m${i}` })).json<MediaJson>().id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      const url: string = `/v1/media?limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Page = (await kino.call(key, 'GET', url)).json<Page>();
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
      // Others keep uploading between page requests.
      for (let i = 0; i < 3; i++) await kino.call(key, 'POST', '/v1/media', { title: `new${inserted++}` });
    } while (cursor);
    expect(seen).toEqual([...original].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by status and searches title, description and tags', async () => {
    const { key } = await kino.tenant();
    await kino.call(key, 'POST', '/v1/media', { title: 'Sprint demo', tags: ['engineering'] });
    await kino.call(key, 'POST', '/v1/media', { title: 'All hands', description: 'Quarterly numbers' });
    const titles = async (query: string) =>
      (await kino.call(key, 'GET', `/v1/media?${query}`)).json<Page>().items.map((m) => m.title);
    expect(await titles('q=ENGINEER')).toEqual(['Sprint demo']);
    expect(await titles('q=quarterly')).toEqual(['All hands']);
    expect(await titles('q=demo&status=waiting')).toEqual(['Sprint demo']);
    expect(await titles('status=ready')).toEqual([]);
  });
});
