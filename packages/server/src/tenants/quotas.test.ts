import fs from 'node:fs/promises';
import { sample } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { tusUpload, waitForMedia } from '../../test/media-upload.ts';
import { OPERATOR_KEY } from '../../test/test-kino.ts';

describe('tenant quotas', () => {
  let kino: MediaKino;
  let base: string;
  let tenant: { id: string; key: string };
  let file: string;
  let size: number;

  beforeAll(async () => {
    kino = await startMediaKino('sqlite+disk');
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    tenant = await kino.tenant();
    file = await sample('h264-aac-720p');
    size = (await fs.stat(file)).size;
  }, 60_000);
  afterAll(() => kino.close());

  const setQuotas = (body: Record<string, unknown>) =>
    kino.app.inject({
      method: 'PUT',
      url: `/v1/tenants/${tenant.id}/quotas`,
      headers: { authorization: `Bearer ${OPERATOR_KEY}` },
      payload: body,
    });
  const createUpload = () =>
    fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${tenant.key}`,
        'upload-length': String(size),
      },
    });

  it('are set by the operator only, and report what the tenant uses', async () => {
    expect((await kino.call(tenant.key, 'GET', `/v1/tenants/${tenant.id}/quotas`)).statusCode).toBe(403);
    const set = await setQuotas({ storageBytes: 10 * size, minutes: 60 });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({
      storageBytes: 10 * size,
      minutes: 60,
      used: { storageBytes: 0, minutes: 0 },
    });
  });

  it('refuse an upload, a form upload and an import that do not fit in the storage quota', async () => {
    await setQuotas({ storageBytes: size - 1 });
    const refused = await createUpload();
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'quota_exceeded', quota: 'storage' });

    await setQuotas({ storageBytes: size });
    const { mediaId } = await tusUpload(base, tenant.key, file, { filename: 'a.mp4' });
    await waitForMedia(kino, tenant.key, [mediaId], { timeoutMs: 120_000 });
    const used = await kino.call(OPERATOR_KEY, 'GET', `/v1/tenants/${tenant.id}/quotas`);
    expect(used.json()).toMatchObject({ used: { storageBytes: size } });
    const imported = await kino.call(tenant.key, 'POST', '/v1/media', {
      input: { url: 'https://example.com/a.mp4' },
    });
    expect(imported.statusCode).toBe(403);
    expect(imported.json()).toMatchObject({ code: 'quota_exceeded', quota: 'storage' });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(10)]), 'x.mp4');
    const formRes = await fetch(`${base}/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}` },
      body: form,
    });
    expect(formRes.status).toBe(403);
    expect((await createUpload()).status).toBe(403);
  }, 150_000);

  it('refuse reprocessing and new uploads once the processed minutes are used up', async () => {
    await setQuotas({ storageBytes: null, minutes: 0 });
    const list = await kino.call(tenant.key, 'GET', '/v1/media');
    const [media] = list.json<{ items: { id: string }[] }>().items;
    const reprocess = await kino.call(tenant.key, 'POST', `/v1/media/${media?.id ?? ''}/reprocess`);
    expect(reprocess.statusCode).toBe(403);
    expect(reprocess.json()).toMatchObject({ code: 'quota_exceeded', quota: 'minutes' });
    expect((await createUpload()).status).toBe(403);

    await setQuotas({ minutes: null });
    expect((await kino.call(tenant.key, 'POST', `/v1/media/${media?.id ?? ''}/reprocess`)).statusCode).toBe(
      202,
    );
  });
});
