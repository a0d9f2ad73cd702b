import fs from 'node:fs/promises';
import { sample } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_BACKENDS, startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { tusUpload, waitForMedia } from '../../test/media-upload.ts';
import { settleRemovals, storedKeys } from '../../test/stored-objects.ts';
import { OPERATOR_KEY } from '../../test/test-kino.ts';

describe.each(MEDIA_BACKENDS)('deleting a tenant on %s', (backend) => {
  let kino: MediaKino;
  let base: string;

  beforeAll(async () => {
    kino = await startMediaKino(backend);
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
  }, 60_000);
  afterAll(() => kino.close());

  it('removes its media, uploads, keys and users, and empties its storage prefix', async () => {
    const doomed = await kino.tenant('doomed');
    const kept = await kino.tenant('kept');
    const file = await sample('h264-aac-720p');
    const ready = (await tusUpload(base, doomed.key, file, { filename: 'a.mp4' })).mediaId;
    const keptMedia = (await tusUpload(base, kept.key, file, { filename: 'b.mp4' })).mediaId;
    await waitForMedia(kino, doomed.key, [ready], { timeoutMs: 120_000 });
    await waitForMedia(kino, kept.key, [keptMedia], { timeoutMs: 120_000 });
    // A partial upload too: half its bytes are stored.
    const bytes = await fs.readFile(file);
    const created = await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${doomed.key}`,
        'upload-length': String(bytes.length),
      },
    });
    const uploadUrl = new URL(created.headers.get('location') ?? '', `${base}/v1/uploads/`).toString();
    const patched = await fetch(uploadUrl, {
      method: 'PATCH',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${doomed.key}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
      },
      body: bytes.subarray(0, bytes.length >> 1),
    });
    expect(patched.status).toBe(204);
    const uploadId = uploadUrl.split('/').pop() ?? '';
    const before = await storedKeys(kino);
    expect(before.some((k) => k.startsWith(`media/${doomed.id}/`))).toBe(true);
    expect(before.some((k) => k.startsWith(uploadId))).toBe(true);
    const keptBefore = before.filter((k) => k.startsWith(`media/${kept.id}/`));

    const res = await kino.call(OPERATOR_KEY, 'DELETE', `/v1/tenants/${doomed.id}`);
    expect(res.statusCode).toBe(204);
    expect((await kino.call(OPERATOR_KEY, 'GET', `/v1/tenants/${doomed.id}`)).statusCode).toBe(404);
    expect((await kino.call(doomed.key, 'GET', '/v1/media')).statusCode).toBe(401);
    for (const table of ['media', 'uploads', 'api_keys', 'users', 'jobs'] as const) {
      const rows = await kino.database.db
        .selectFrom(table)
        .select('tenant_id')
        .where('tenant_id', '=', doomed.id)
        .execute();
      expect(rows, table).toEqual([]);
    }
    await settleRemovals(kino);

    const after = await storedKeys(kino);
    expect(after.filter((k) => k.startsWith(`media/${doomed.id}/`))).toEqual([]);
    // Nothing of the tenant is left at the storage root either: only the other tenant's original.
    const keptMediaRow = await kino.database.db
      .selectFrom('media')
      .select('source_key')
      .where('id', '=', keptMedia)
      .executeTakeFirstOrThrow();
    expect(
      after.filter((k) => !k.startsWith('media/')).every((k) => k.startsWith(keptMediaRow.source_key ?? '-')),
    ).toBe(true);
    expect(after.filter((k) => k.startsWith(`media/${kept.id}/`))).toEqual(keptBefore);
  }, 300_000);
});
