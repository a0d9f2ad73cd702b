import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPlayKino, type PlayKino } from '../../test/play-fixture.ts';
import { MediaRepository } from '../media/media.repository.ts';
import { erroredMessage } from './embed-status.ts';

describe('erroredMessage', () => {
  it('says one plain sentence per error code, and a general one for any other', () => {
    expect(erroredMessage('import_failed')).toBe('The import failed.');
    expect(erroredMessage('processing_failed')).toBe('Processing failed.');
    expect(erroredMessage('something_new')).toBe('This video could not be processed.');
    expect(erroredMessage(null)).toBe('This video could not be processed.');
  });
});

describe('/embed/{id}/status of a media that failed', () => {
  let kino: PlayKino;
  let tenant: { id: string; key: string };

  beforeAll(async () => {
    kino = await startPlayKino();
    tenant = await kino.tenant();
  });
  afterAll(() => kino.close());
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('tells viewers that it failed, not why: the details stay in the API', async () => {
    const created = await kino.request('POST', '/v1/media', {
      headers: { authorization: `Bearer ${tenant.key}` },
      body: { title: 'imported', visibility: 'public' },
    });
    const id = created.json<{ id: string }>().id;
    const detail = 'getaddrinfo ENOTFOUND files.internal.example (10.0.0.7)';
    // The row as a failed import leaves it.
    const row = await kino.repos.media.get(tenant.id, id);
    const failed = row && {
      ...row,
      status: 'errored' as const,
      error_code: 'import_failed',
      error_message: detail,
    };
    vi.spyOn(MediaRepository.prototype, 'get').mockResolvedValue(failed);
    // The API reads the columns of its view through its own lookup.
    vi.spyOn(MediaRepository.prototype, 'view').mockResolvedValue(failed);

    const status = await kino.request('GET', `/embed/${id}/status`);
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({ id, state: 'errored', message: 'The import failed.' });
    expect(status.body).not.toContain('ENOTFOUND');
    expect((await kino.request('GET', `/embed/${id}`)).body).not.toContain('ENOTFOUND');

    const api = await kino.request('GET', `/v1/media/${id}`, {
      headers: { authorization: `Bearer ${tenant.key}` },
    });
    expect(api.json()).toMatchObject({ error: { code: 'import_failed', message: detail } });
  });
});
