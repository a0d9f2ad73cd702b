import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/databases.ts';
import { tableResolver } from '../../test/test-source-server.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { createRepositories, unitOfWork } from '../repositories/repositories.ts';
import { jobCatalog } from '../jobs/catalog.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { WebhooksService } from './webhooks.service.ts';

/** Endpoint URLs whose host name resolves to an inside address are refused when they are set. */
describe('webhook endpoints whose name resolves inside', () => {
  let handle: DatabaseHandle;
  const tenantId = newId('ten');
  const resolver = tableResolver({
    'public.example.test': ['93.184.216.34'],
    'loopback.example.test': ['127.0.0.1'],
    'mixed.example.test': ['93.184.216.34', '10.1.2.3'],
  });
  const service = (allowPrivate: boolean) => {
    const repos = createRepositories(handle.db, handle.dialect);
    const transaction = unitOfWork(handle);
    const queue = new JobQueue({ catalog: jobCatalog, repos, transaction, tenantConcurrency: 4 });
    return new WebhooksService({ repos, transaction, queue, allowPrivate, resolver });
  };

  beforeAll(async () => {
    handle = await openTestDatabase('sqlite');
    await createRepositories(handle.db, handle.dialect).tenants.create({
      id: tenantId,
      name: 'A',
      created_at: 1,
      updated_at: 1,
    });
  });
  afterAll(() => handle.close());

  it('refuses them at creation with the 400 of a literal inside address', async () => {
    for (const url of ['https://loopback.example.test/h', 'https://mixed.example.test/h']) {
      await expect(service(false).create(tenantId, { url }), url).rejects.toMatchObject({
        code: 'invalid_request',
        status: 400,
        message: expect.stringMatching(/resolves to .*(loopback|private)/),
      });
    }
    await expect(service(false).create(tenantId, { url: 'https://127.0.0.1/h' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('refuses them when the URL of an endpoint is changed', async () => {
    const { row } = await service(false).create(tenantId, { url: 'https://public.example.test/h' });
    await expect(
      service(false).update(tenantId, row.id, { url: 'https://loopback.example.test/h' }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    expect((await service(false).get(tenantId, row.id)).url).toBe('https://public.example.test/h');
  });

  it('takes them with KINO_IMPORT_ALLOW_PRIVATE, and names that do not resolve now', async () => {
    const { row } = await service(true).create(tenantId, { url: 'https://loopback.example.test/h' });
    expect(row.url).toBe('https://loopback.example.test/h');
    const later = await service(false).create(tenantId, { url: 'https://not-yet.example.test/h' });
    expect(later.row.url).toBe('https://not-yet.example.test/h');
  });
});
