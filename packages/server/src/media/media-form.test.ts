import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { generate } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_BACKENDS, startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { waitForMedia } from '../../test/media-upload.ts';
import { FORM_MAX_BYTES } from './media-form.ts';
import type { MediaJson } from './media.schemas.ts';

const BOUNDARY = '----kino-form-test-7d1f';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** Bytes for forms refused before processing would look at them. */
const BYTES = Buffer.alloc(4096, 1);

type Part = { name: string; value: string } | { name: string; filename: string; data: Buffer };

/** A multipart/form-data body, as curl -F writes one. */
function formBody(parts: Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      'filename' in part
        ? `form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: video/mp4`
        : `form-data; name="${part.name}"`;
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\n`));
    chunks.push('filename' in part ? part.data : Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

/** A form whose one file is `size` zero bytes, streamed without ever being whole in memory. */
function streamedForm(size: number): Readable {
  const chunk = Buffer.alloc(1024 * 1024);
  return Readable.from(
    (function* () {
      yield Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n\r\n`,
      );
      for (let left = size; left > 0; left -= chunk.length)
        yield chunk.subarray(0, Math.min(left, chunk.length));
      yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    })(),
  );
}

describe.each(MEDIA_BACKENDS)('POST /v1/media as multipart/form-data on %s', (backend) => {
  let kino: MediaKino;
  let key: string;
  let clip: Buffer;

  beforeAll(async () => {
    clip = await readFile(await generate({ width: 320, height: 180, durationSec: 2 }));
    kino = await startMediaKino(backend);
    key = (await kino.tenant()).key;
  });
  afterAll(() => kino.close());

  const post = (
    payload: Buffer | Readable,
    k = key,
    contentType = `multipart/form-data; boundary=${BOUNDARY}`,
  ) =>
    kino.app.inject({
      method: 'POST',
      url: '/v1/media',
      headers: { authorization: `Bearer ${k}`, 'content-type': contentType },
      payload,
    });

  async function storedOriginals(): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of kino.storage.list(''))
      if (object.key.startsWith('upl_')) keys.push(object.key);
    return keys.sort();
  }

  async function mediaCount(k: string): Promise<number> {
    return (await kino.call(k, 'GET', '/v1/media')).json<{ items: unknown[] }>().items.length;
  }

  it('stores the file part, takes fields sent after it, and processes the media to ready', async () => {
    const res = await post(
      formBody([
        { name: 'file', filename: 'Team Update.mp4', data: clip },
        { name: 'title', value: 'Weekly update' },
        { name: 'visibility', value: 'private' },
        { name: 'tags', value: 'team,weekly' },
        { name: 'tags', value: 'video' },
      ]),
    );
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<MediaJson>();
    expect(created).toMatchObject({
      title: 'Weekly update',
      visibility: 'private',
      tags: ['team', 'weekly', 'video'],
      status: 'processing',
    });
    const row = await kino.database.db
      .selectFrom('media')
      .select(['source_key', 'source_size', 'source_sha256', 'source_filename'])
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      source_size: clip.length,
      source_sha256: sha256(clip),
      source_filename: 'Team Update.mp4',
    });
    expect(row.source_key).toMatch(/^upl_/);

    const { final } = await waitForMedia(kino, key, [created.id], { timeoutMs: 60_000 });
    expect(final.get(created.id)).toMatchObject({ status: 'ready', playable: true });
  });

  it('names the media after the file when no title is sent', async () => {
    const res = await post(formBody([{ name: 'file', filename: 'Launch Demo.mp4', data: clip }]));
    expect(res.statusCode).toBe(201);
    expect(res.json<MediaJson>().title).toBe('Launch Demo');
  });

  it.each(['', ' ', 'undefined', 'null'])(
    'names the media after the file when the title field holds %j',
    async (title) => {
      const res = await post(
        formBody([
          { name: 'title', value: title },
          { name: 'file', filename: 'Launch Demo.mp4', data: clip },
        ]),
      );
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json<MediaJson>().title).toBe('Launch Demo');
    },
  );

  it(`answers 413 too_large for a file over ${FORM_MAX_BYTES} bytes and keeps nothing`, async () => {
    const { key: k } = await kino.tenant('big');
    const before = await storedOriginals();
    const res = await post(streamedForm(101_000_000), k);
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'too_large', limit: FORM_MAX_BYTES });
    expect(await storedOriginals()).toEqual(before);
    expect(await mediaCount(k)).toBe(0);
  });

  it("answers 413 above a tenant's lower limit, from the declared length or from the bytes", async () => {
    const tenant = await kino.tenant('small');
    await kino.setMaxUploadBytes(tenant.id, 1000);
    const before = await storedOriginals();
    const declared = await post(
      formBody([{ name: 'file', filename: 'a.mp4', data: Buffer.alloc(2 * 1024 * 1024) }]),
      tenant.key,
    );
    expect(declared.statusCode).toBe(413);
    expect(declared.json()).toMatchObject({ code: 'too_large', limit: 1000 });
    const streamed = await post(streamedForm(1001), tenant.key);
    expect(streamed.statusCode).toBe(413);
    expect(await storedOriginals()).toEqual(before);
    expect(await mediaCount(tenant.key)).toBe(0);
  });

  it.each([
    ['no file part', [{ name: 'title', value: 'x' }], /no file/],
    [
      'two files',
      [
        { name: 'file', filename: 'a.mp4', data: BYTES },
        { name: 'file', filename: 'b.mp4', data: BYTES },
      ],
      /one file/,
    ],
    ['an empty file', [{ name: 'file', filename: 'a.mp4', data: Buffer.alloc(0) }], /empty/],
    [
      'a bad field',
      [
        { name: 'file', filename: 'a.mp4', data: BYTES },
        { name: 'visibility', value: 'secret' },
      ],
      /visibility/,
    ],
    [
      'an unknown field',
      [
        { name: 'owner', value: 'me' },
        { name: 'file', filename: 'a.mp4', data: BYTES },
      ],
      /owner|unrecognized/i,
    ],
  ] satisfies [string, Part[], RegExp][])(
    'answers 400 invalid_request for %s and keeps nothing',
    async (_n, parts, detail) => {
      const { key: k } = await kino.tenant('bad');
      const before = await storedOriginals();
      const res = await post(formBody(parts), k);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_request', detail: expect.stringMatching(detail) });
      expect(await storedOriginals()).toEqual(before);
      expect(await mediaCount(k)).toBe(0);
    },
  );

  it('answers 400 for a form cut short, 415 for a body that is neither JSON nor a form', async () => {
    const whole = formBody([{ name: 'file', filename: 'a.mp4', data: clip }]);
    const cut = await post(whole.subarray(0, 5000));
    expect(cut.statusCode).toBe(400);
    expect(cut.json()).toMatchObject({ code: 'invalid_request' });
    const noBoundary = await post(whole, key, 'multipart/form-data');
    expect(noBoundary.statusCode).toBe(400);
    const raw = await post(clip, key, 'video/mp4');
    expect(raw.statusCode).toBe(415);
    expect(raw.json()).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('needs a key that may create media', async () => {
    const tenant = await kino.tenant('readers');
    const read = await kino.key(tenant.id, 'read');
    const res = await post(formBody([{ name: 'file', filename: 'a.mp4', data: clip }]), read);
    expect(res.statusCode).toBe(403);
    expect(await mediaCount(tenant.key)).toBe(0);
  });
});
