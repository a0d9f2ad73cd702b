import fs from 'node:fs/promises';
import { generate, sample } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_BACKENDS, startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { tusUpload, waitForMedia } from '../../test/media-upload.ts';
import { settleRemovals, storedKeys } from '../../test/stored-objects.ts';
import {
  PUBLIC_TEST_ADDRESS,
  startSource,
  tableResolver,
  testRoute,
  type SourceServer,
} from '../../test/test-source-server.ts';

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A media deleted at any stage leaves nothing in storage: waiting with half an upload, importing,
 * processing, and ready. Each test ends with the whole storage empty (one tenant per Kino).
 */
describe.each(MEDIA_BACKENDS)('deleting a media on %s', (backend) => {
  let kino: MediaKino;
  let base: string;
  let key: string;
  let stalled: SourceServer;

  beforeAll(async () => {
    // Sends a megabyte of a big file, then nothing: the import stays under way.
    stalled = await startSource((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(100 * 1024 * 1024) });
      res.write(Buffer.alloc(1024 * 1024));
    });
    kino = await startMediaKino(backend, {
      importFetch: { resolver: tableResolver({ 'cdn.test': [PUBLIC_TEST_ADDRESS] }), route: testRoute },
    });
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    key = (await kino.tenant()).key;
  }, 60_000);
  afterAll(async () => {
    await kino.close();
    await stalled.close();
  });

  const remove = async (id: string) => {
    expect((await kino.call(key, 'DELETE', `/v1/media/${id}`)).statusCode).toBe(204);
    expect((await kino.call(key, 'GET', `/v1/media/${id}`)).statusCode).toBe(404);
    await settleRemovals(kino);
    expect(await storedKeys(kino)).toEqual([]);
  };
  const jobRunning = (type: string, mediaId: string) => async () =>
    (
      await kino.database.db
        .selectFrom('jobs')
        .select('payload')
        .where('type', '=', type)
        .where('state', '=', 'running')
        .execute()
    ).some((j) => j.payload.includes(mediaId));

  it('waiting, with half of a tus upload stored', async () => {
    const media = (await kino.call(key, 'POST', '/v1/media', { title: 'half' })).json<{ id: string }>();
    const bytes = await fs.readFile(await sample('h264-aac-720p'));
    const tus = { 'tus-resumable': '1.0.0', authorization: `Bearer ${key}` };
    const created = await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: {
        ...tus,
        'upload-length': String(bytes.length),
        'upload-metadata': `mediaId ${Buffer.from(media.id).toString('base64')}`,
      },
    });
    const uploadUrl = new URL(created.headers.get('location') ?? '', `${base}/v1/uploads/`).toString();
    const patched = await fetch(uploadUrl, {
      method: 'PATCH',
      headers: { ...tus, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
      body: bytes.subarray(0, bytes.length >> 1),
    });
    expect(patched.status).toBe(204);
    expect(await storedKeys(kino)).not.toEqual([]);
    await remove(media.id);
    // The upload is gone too: resuming it finds nothing.
    const resumed = await fetch(uploadUrl, { method: 'HEAD', headers: tus });
    expect(resumed.status).toBe(404);
  });

  it('importing', async () => {
    const media = (
      await kino.call(key, 'POST', '/v1/media', { input: { url: `http://cdn.test:${stalled.port}/big.mp4` } })
    ).json<{ id: string }>();
    await until('the import under way', jobRunning('media.import', media.id));
    await remove(media.id);
  });

  it('processing', async () => {
    const file = await generate({ width: 1280, height: 720, durationSec: 20 });
    const { mediaId } = await tusUpload(base, key, file, { filename: 'long.mp4' });
    await until('the ladder under way', jobRunning('media.encode', mediaId));
    await remove(mediaId);
  }, 120_000);

  it('ready', async () => {
    const { mediaId } = await tusUpload(base, key, await sample('h264-aac-720p'), { filename: 'a.mp4' });
    const { final } = await waitForMedia(kino, key, [mediaId], { timeoutMs: 120_000 });
    expect(final.get(mediaId)?.status).toBe('ready');
    await remove(mediaId);
  }, 150_000);
});
