import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import type { MediaJson } from '../media/media.schemas.ts';
import type { CaptionTrackJson } from './captions.schemas.ts';
import { MAX_CAPTION_BYTES } from './captions.schemas.ts';

const BOUNDARY = '----kino-captions-test-4b2e';

type Part = { name: string; value: string } | { name: string; filename: string; data: Buffer };

/** A multipart/form-data body, as curl -F writes one. */
function formBody(parts: Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      'filename' in part
        ? `form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: application/octet-stream`
        : `form-data; name="${part.name}"`;
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\n`));
    chunks.push('filename' in part ? part.data : Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

const SRT_BOM_CRLF = Buffer.concat([
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from(
    [
      '1',
      '00:00:01,000 --> 00:00:03,000',
      'Willkommen zur Vorlesung',
      '',
      '2',
      '00:01:23,000 --> 00:01:26,000',
      'So viel Ärger mit dem Compiler',
      '',
    ].join('\r\n'),
  ),
]);

const STYLED_VTT = `WEBVTT

STYLE
::cue(.loud) { color: red }

00:00:02.000 --> 00:00:04.000 align:start line:0
<v.loud Ada>Hello <c.loud>world</c></v>
`;

const TTML = `<?xml version="1.0" encoding="utf-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:tickRate="10000000">
  <body><div>
    <p begin="10000000t" end="30000000t">Bonjour<br/>le monde</p>
  </div></body>
</tt>`;

const MALFORMED_SRT = '1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:03,000 00:00:04,000\nbroken\n';

describe.each(DIALECTS)('caption tracks over HTTP on %s', (dialect) => {
  let kino: TestKino;
  let tenant: { id: string; key: string };
  let media: MediaJson;

  beforeAll(async () => {
    kino = await startTestKino(dialect);
    tenant = await kino.tenant();
    media = (await kino.call(tenant.key, 'POST', '/v1/media', { title: 'Lecture' })).json<MediaJson>();
  });
  afterAll(() => kino.close());

  const upload = (
    key: string,
    mediaId: string,
    parts: Part[],
    method: 'POST' | 'PUT' = 'POST',
    trackId = '',
  ) =>
    kino.app.inject({
      method,
      url: `/v1/media/${mediaId}/captions${trackId ? `/${trackId}` : ''}`,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      },
      payload: formBody(parts),
    });
  const put = (key: string, url: string, body: Record<string, unknown>) =>
    kino.app.inject({ method: 'PUT', url, headers: { authorization: `Bearer ${key}` }, payload: body });
  const track = (res: LightMyRequestResponse) => res.json<CaptionTrackJson>();
  const storedKey = async (trackId: string) =>
    (
      await kino.database.db
        .selectFrom('caption_tracks')
        .select('storage_key')
        .where('id', '=', trackId)
        .executeTakeFirstOrThrow()
    ).storage_key;

  it('turns an SRT with a BOM and CRLF, a styled VTT and a TTML file into tracks', async () => {
    const srt = await upload(tenant.key, media.id, [
      { name: 'language', value: 'de-de' },
      { name: 'kind', value: 'captions' },
      { name: 'default', value: 'true' },
      { name: 'file', filename: 'vorlesung.srt', data: SRT_BOM_CRLF },
    ]);
    expect(srt.statusCode, srt.body).toBe(201);
    expect(track(srt)).toMatchObject({
      mediaId: media.id,
      language: 'de-DE',
      label: 'Deutsch (Deutschland)',
      kind: 'captions',
      default: true,
      source: 'upload',
      cueCount: 2,
      url: `http://localhost:80/v1/media/${media.id}/captions/${track(srt).id}.vtt`,
    });

    const vtt = await kino.call(tenant.key, 'POST', `/v1/media/${media.id}/captions`, {
      content: STYLED_VTT,
      language: 'en',
      label: 'English',
    });
    expect(vtt.statusCode, vtt.body).toBe(201);
    expect(track(vtt)).toMatchObject({
      language: 'en',
      label: 'English',
      kind: 'subtitles',
      default: false,
      cueCount: 1,
    });
    const content = await kino.call(tenant.key, 'GET', `/v1/media/${media.id}/captions/${track(vtt).id}.vtt`);
    expect(content.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(content.body).toBe(
      'WEBVTT\n\n00:00:02.000 --> 00:00:04.000 align:start line:0\n<v Ada>Hello <c>world</c></v>\n',
    );

    const ttml = await upload(tenant.key, media.id, [
      { name: 'language', value: 'fr' },
      { name: 'format', value: 'dfxp' },
      { name: 'file', filename: 'fr.xml', data: Buffer.from(TTML) },
    ]);
    expect(ttml.statusCode, ttml.body).toBe(201);
    expect(track(ttml)).toMatchObject({ language: 'fr', label: 'Français', cueCount: 1 });
    const french = await kino.call(tenant.key, 'GET', `/v1/media/${media.id}/captions/${track(ttml).id}.vtt`);
    expect(french.body).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nBonjour\nle monde\n');

    const listed = await kino.call(tenant.key, 'GET', `/v1/media/${media.id}/captions`);
    expect(listed.json<{ items: CaptionTrackJson[] }>().items.map((t) => t.language)).toEqual([
      'de-DE',
      'en',
      'fr',
    ]);
    const one = await kino.call(tenant.key, 'GET', `/v1/media/${media.id}/captions/${track(srt).id}`);
    expect(one.json()).toEqual(track(srt));
  });

  it('refuses a malformed SRT with 400 invalid_captions naming its line', async () => {
    const res = await upload(tenant.key, media.id, [
      { name: 'language', value: 'en' },
      { name: 'file', filename: 'bad.srt', data: Buffer.from(MALFORMED_SRT) },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      code: 'invalid_captions',
      line: 6,
      detail:
        "line 6: expected a timing line like '00:00:01,000 --> 00:00:02,500', found '00:00:03,000 00:00:04,000'",
    });
  });

  it('validates the fields, the size and the form', async () => {
    const bad = await kino.call(tenant.key, 'POST', `/v1/media/${media.id}/captions`, {
      content: STYLED_VTT,
      language: 'not a language',
    });
    expect(bad.json()).toMatchObject({ status: 400, code: 'invalid_request' });
    const noFile = await upload(tenant.key, media.id, [{ name: 'language', value: 'en' }]);
    expect(noFile.json()).toMatchObject({ status: 400, code: 'invalid_request' });
    const quoted = await kino.call(tenant.key, 'POST', `/v1/media/${media.id}/captions`, {
      content: STYLED_VTT,
      language: 'en',
      label: 'say "hi"',
    });
    expect(quoted.statusCode).toBe(400);

    const huge = Buffer.alloc(MAX_CAPTION_BYTES + 1, 'a');
    const form = await upload(tenant.key, media.id, [
      { name: 'language', value: 'en' },
      { name: 'file', filename: 'huge.vtt', data: huge },
    ]);
    expect(form.statusCode).toBe(413);
    expect(form.json()).toMatchObject({ code: 'too_large' });
    const body = await kino.call(tenant.key, 'POST', `/v1/media/${media.id}/captions`, {
      content: huge.toString(),
      language: 'en',
    });
    expect(body.json()).toMatchObject({ status: 413, code: 'too_large' });

    // A NUL in a form field is refused like one in a JSON body (PostgreSQL cannot store it).
    const nul = await upload(tenant.key, media.id, [
      { name: 'language', value: 'en' },
      { name: 'label', value: 'Eng\u0000lish' },
      { name: 'file', filename: 'a.vtt', data: Buffer.from(STYLED_VTT) },
    ]);
    expect(nul.json()).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('keeps one default track per media, replaces content as a new stored revision, and deletes', async () => {
    const other = (await kino.call(tenant.key, 'POST', '/v1/media', { title: 'Defaults' })).json<MediaJson>();
    const add = async (language: string, isDefault: boolean) =>
      track(
        await kino.call(tenant.key, 'POST', `/v1/media/${other.id}/captions`, {
          content: STYLED_VTT,
          language,
          default: isDefault,
        }),
      );
    const first = await add('en', true);
    const second = await add('de', true);
    const defaults = async () =>
      (await kino.call(tenant.key, 'GET', `/v1/media/${other.id}/captions`))
        .json<{ items: CaptionTrackJson[] }>()
        .items.filter((t) => t.default)
        .map((t) => t.id);
    expect(await defaults()).toEqual([second.id]);

    const before = await storedKey(first.id);
    const replaced = await upload(
      tenant.key,
      other.id,
      [
        { name: 'default', value: 'true' },
        { name: 'label', value: 'English (edited)' },
        {
          name: 'file',
          filename: 'new.srt',
          data: Buffer.from('1\n00:00:05,000 --> 00:00:06,000\nNew words\n'),
        },
      ],
      'PUT',
      first.id,
    );
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(track(replaced)).toMatchObject({
      id: first.id,
      label: 'English (edited)',
      default: true,
      cueCount: 1,
    });
    expect(await defaults()).toEqual([first.id]);
    const after = await storedKey(first.id);
    expect(after).not.toBe(before);
    expect(after).toMatch(new RegExp(`^media/${tenant.id}/${other.id}/captions/${first.id}-r2-`));
    expect(await kino.storage.head(before)).toBeNull();
    expect(
      (await kino.call(tenant.key, 'GET', `/v1/media/${other.id}/captions/${first.id}.vtt`)).body,
    ).toContain('New words');

    const renamed = await put(tenant.key, `/v1/media/${other.id}/captions/${first.id}`, { kind: 'captions' });
    expect(track(renamed)).toMatchObject({ kind: 'captions', label: 'English (edited)' });
    expect(await storedKey(first.id)).toBe(after);

    expect(
      (await kino.call(tenant.key, 'DELETE', `/v1/media/${other.id}/captions/${first.id}`)).statusCode,
    ).toBe(204);
    expect(await kino.storage.head(after)).toBeNull();
    expect(
      (await kino.call(tenant.key, 'GET', `/v1/media/${other.id}/captions/${first.id}`)).statusCode,
    ).toBe(404);
    expect(
      (await kino.call(tenant.key, 'DELETE', `/v1/media/${other.id}/captions/${first.id}`)).statusCode,
    ).toBe(404);

    // Deleting the media removes its tracks, their cues and (through the media's prefix) their files.
    const kept = await storedKey(second.id);
    expect((await kino.call(tenant.key, 'DELETE', `/v1/media/${other.id}`)).statusCode).toBe(204);
    const rows = await kino.database.db
      .selectFrom('caption_tracks')
      .select('id')
      .where('media_id', '=', other.id)
      .execute();
    expect(rows).toEqual([]);
    const removal = await kino.database.db
      .selectFrom('jobs')
      .select('payload')
      .where('type', '=', 'media.remove-files')
      .execute();
    expect(removal.map((j) => (JSON.parse(j.payload) as { prefix: string }).prefix)).toContain(
      `media/${tenant.id}/${other.id}/`,
    );
    expect(kept.startsWith(`media/${tenant.id}/${other.id}/`)).toBe(true);
  });

  it('needs media:write to change, media:read to read, and keeps tenants apart', async () => {
    const reader = await kino.key(tenant.id, 'read');
    const list = await kino.call(reader, 'GET', `/v1/media/${media.id}/captions`);
    expect(list.statusCode).toBe(200);
    const added = await kino.call(reader, 'POST', `/v1/media/${media.id}/captions`, {
      content: STYLED_VTT,
      language: 'en',
    });
    expect(added.json()).toMatchObject({ status: 403, code: 'insufficient_scope' });
    const trackId = list.json<{ items: CaptionTrackJson[] }>().items[0]?.id ?? '';
    expect((await kino.call(reader, 'DELETE', `/v1/media/${media.id}/captions/${trackId}`)).statusCode).toBe(
      403,
    );

    const stranger = await kino.tenant('stranger');
    for (const [method, url] of [
      ['GET', `/v1/media/${media.id}/captions`],
      ['GET', `/v1/media/${media.id}/captions/${trackId}`],
      ['GET', `/v1/media/${media.id}/captions/${trackId}.vtt`],
      ['DELETE', `/v1/media/${media.id}/captions/${trackId}`],
    ] as const) {
      expect((await kino.call(stranger.key, method, url)).statusCode, url).toBe(404);
    }
    const foreign = await kino.call(stranger.key, 'POST', `/v1/media/${media.id}/captions`, {
      content: STYLED_VTT,
      language: 'en',
    });
    expect(foreign.statusCode).toBe(404);
    const replaced = await put(stranger.key, `/v1/media/${media.id}/captions/${trackId}`, { label: 'x' });
    expect(replaced.statusCode).toBe(404);
    expect((await kino.call(null, 'GET', `/v1/media/${media.id}/captions`)).statusCode).toBe(401);
  });

  it('finds a word said at 1:23 and returns 83 s; another tenant never sees it', async () => {
    const res = await kino.call(tenant.key, 'GET', `/v1/search?q=${encodeURIComponent('ärger')}`);
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json<{ results: { media: MediaJson; hits: Record<string, unknown>[] }[] }>();
    expect(results).toHaveLength(1);
    expect(results[0]?.media).toMatchObject({ id: media.id, title: 'Lecture' });
    expect(results[0]?.hits).toEqual([
      expect.objectContaining({
        language: 'de-DE',
        startSeconds: 83,
        endSeconds: 86,
        text: 'So viel Ärger mit dem Compiler',
      }),
    ]);

    const stranger = await kino.tenant('nosy');
    const theirs = (
      await kino.call(stranger.key, 'POST', '/v1/media', { title: 'Theirs' })
    ).json<MediaJson>();
    await kino.call(stranger.key, 'POST', `/v1/media/${theirs.id}/captions`, {
      content: '1\n00:00:01,000 --> 00:00:02,000\nauch Ärger\n',
      language: 'de',
    });
    const mine = (await kino.call(tenant.key, 'GET', '/v1/search?q=ÄRGER')).json<{
      results: { media: MediaJson }[];
    }>();
    expect(mine.results.map((r) => r.media.id)).toEqual([media.id]);
    const others = (await kino.call(stranger.key, 'GET', '/v1/search?q=ärger')).json<{
      results: { media: MediaJson }[];
    }>();
    expect(others.results.map((r) => r.media.id)).toEqual([theirs.id]);
    expect((await kino.call(tenant.key, 'GET', '/v1/search')).statusCode).toBe(400);
  });

  it('announces added and replaced tracks with media.captions.ready', async () => {
    const hook = await kino.call(tenant.key, 'POST', '/v1/webhooks', {
      url: 'https://hooks.example.com/captions',
      events: ['media.captions.ready'],
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const added = track(
      await kino.call(tenant.key, 'POST', `/v1/media/${media.id}/captions`, {
        content: STYLED_VTT,
        language: 'it',
      }),
    );
    await put(tenant.key, `/v1/media/${media.id}/captions/${added.id}`, { label: 'Italiano 2' });
    // Each change wrote its event into the outbox with it; the dispatcher makes the deliveries.
    const events = await kino.database.db
      .selectFrom('events')
      .select(['type', 'body'])
      .where('tenant_id', '=', tenant.id)
      .where('type', '=', 'media.captions.ready')
      .execute();
    const bodies = events
      .map((d) => JSON.parse(d.body) as { type: string; data: { mediaId: string; track: CaptionTrackJson } })
      .filter((b) => b.data.track.id === added.id)
      .sort((x, y) => x.data.track.label.localeCompare(y.data.track.label));
    expect(bodies.map((b) => [b.type, b.data.mediaId, b.data.track.id, b.data.track.label])).toEqual([
      ['media.captions.ready', media.id, added.id, 'Italiano'],
      ['media.captions.ready', media.id, added.id, 'Italiano 2'],
    ]);
    expect(bodies[0]?.data.track).not.toHaveProperty('url');
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await kino.call(null, 'GET', '/v1/openapi.json')).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(Object.keys(doc.paths['/v1/media/{id}/captions'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/media/{id}/captions/{trackId}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
    expect(Object.keys(doc.paths['/v1/media/{id}/captions/{trackId}.vtt'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/search'] ?? {})).toEqual(['get']);
  });
});
