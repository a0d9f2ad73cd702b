import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { createRepositories, unitOfWork, type Repositories } from '../repositories/repositories.ts';
import type { NewMediaRow } from '../db/schema.ts';
import { jobCatalog } from '../jobs/catalog.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { importKey, processingKey } from './media-job-keys.ts';
import { reconcileStuckMedia } from './lifecycle/stuck-media.ts';

describe.each(DIALECTS)('reconcileStuckMedia on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  let queue: JobQueue<typeof jobCatalog>;
  const reconcile = (now: number, stuckForMs: number) =>
    reconcileStuckMedia(unitOfWork(handle), { queue }, now, stuckForMs);
  const tenant = newId('ten');

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    queue = new JobQueue({
      catalog: jobCatalog,
      repos,
      transaction: unitOfWork(handle),
      tenantConcurrency: 4,
    });
    await repos.tenants.create({ id: tenant, name: 't', created_at: 1, updated_at: 1 });
  });
  afterAll(() => handle.close());

  async function processingMedia(sourceKey: string | null) {
    const row: NewMediaRow = {
      id: newId('med'),
      tenant_id: tenant,
      title: '',
      description: '',
      tags: '[]',
      visibility: 'public',
      status: 'processing',
      duration_seconds: null,
      width: null,
      height: null,
      error_code: null,
      error_message: null,
      source_key: sourceKey,
      created_at: 1000,
      updated_at: 1000,
    };
    return repos.media.create(row);
  }

  it('errors media whose import or processing job is gone, and spares those with one', async () => {
    const importGone = await processingMedia(null);
    const processingGone = await processingMedia('upl_a');
    const importing = await processingMedia(null);
    const processing = await processingMedia('upl_b');
    await queue.add({
      type: 'media.import',
      payload: {
        tenantId: tenant,
        mediaId: importing.id,
        url: 'https://example.com/a.mp4',
        sourceKey: 'upl_c',
      },
      tenantId: tenant,
      idempotencyKey: importKey(importing.id),
    });
    await queue.add({
      type: 'media.process',
      payload: { tenantId: tenant, mediaId: processing.id },
      tenantId: tenant,
      idempotencyKey: processingKey(processing.id),
    });

    expect(await reconcile(6000, 1000)).toBe(2);
    expect(await repos.media.get(tenant, importGone.id)).toMatchObject({
      status: 'errored',
      error_code: 'import_failed',
      error_message: expect.stringMatching(/^The import stopped before it finished/),
      updated_at: 6000,
    });
    expect(await repos.media.get(tenant, processingGone.id)).toMatchObject({
      status: 'errored',
      error_code: 'processing_failed',
      error_message: expect.stringMatching(/^Processing stopped before it finished/),
    });
    expect(await repos.media.get(tenant, importing.id)).toMatchObject({
      status: 'processing',
      error_code: null,
    });
    expect(await repos.media.get(tenant, processing.id)).toMatchObject({ status: 'processing' });
  });

  it('puts a stopped reprocess back to ready on its complete version; a first version alone errs', async () => {
    const published = async (index: string) => {
      const row = await processingMedia('upl_r');
      const prefix = `media/${tenant}/${row.id}/job_old-1/`;
      await repos.media.update(tenant, row.id, {
        playable: 1,
        playback_prefix: prefix,
        playback_index: index,
      });
      return { id: row.id, prefix };
    };
    const reprocessed = await published('index.json');
    const firstOnly = await published('index-playable.json');

    await reconcile(7000, 2000);
    expect(await repos.media.get(tenant, reprocessed.id)).toMatchObject({
      status: 'ready',
      playable: 1,
      playback_prefix: reprocessed.prefix,
      playback_index: 'index.json',
      error_code: 'processing_failed',
      error_message: expect.stringMatching(
        /^Reprocessing stopped before it finished; the previous version keeps playing/,
      ),
      updated_at: 7000,
    });
    expect(await repos.media.get(tenant, firstOnly.id)).toMatchObject({
      status: 'errored',
      playback_prefix: firstOnly.prefix,
      error_message: expect.stringMatching(/^Processing stopped before it finished/),
    });
  });

  it('finds a stuck media behind a backlog of more media than one batch whose jobs still run', async () => {
    for (let i = 0; i < 110; i++) {
      const waiting = await processingMedia(`upl_q${i}`);
      await queue.add({
        type: 'media.process',
        payload: { tenantId: tenant, mediaId: waiting.id },
        tenantId: tenant,
        idempotencyKey: processingKey(waiting.id),
      });
    }
    const stuck = await processingMedia('upl_stuck');
    // Younger than the whole backlog: the last in line.
    await handle.db.updateTable('media').set({ updated_at: 1500 }).where('id', '=', stuck.id).execute();

    expect(await reconcile(9000, 1000)).toBe(1);
    expect(await repos.media.get(tenant, stuck.id)).toMatchObject({
      status: 'errored',
      error_code: 'processing_failed',
    });
  });
});
