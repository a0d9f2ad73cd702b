import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { createRepositories, type Repositories } from '../repositories/repositories.ts';
import type { NewCaptionTrackRow, NewMediaRow } from '../db/schema.ts';
import { newId } from '../lib/ids.ts';
import type { Cue } from './caption-cue.ts';
import type { CaptionSearchRepository } from './caption-search.repository.ts';
import type { CaptionsRepository } from './captions.repository.ts';
import { searchTerms } from './search-text.ts';

const mediaRow = (tenantId: string, title: string): NewMediaRow => ({
  id: newId('med'),
  tenant_id: tenantId,
  title,
  description: '',
  tags: '[]',
  visibility: 'public',
  status: 'ready',
  playable: 1,
  duration_seconds: 120,
  width: null,
  height: null,
  error_code: null,
  error_message: null,
  created_at: 1,
  updated_at: 1,
});

const trackRow = (tenantId: string, mediaId: string, extra: Partial<NewCaptionTrackRow> = {}) =>
  ({
    id: newId('cap'),
    tenant_id: tenantId,
    media_id: mediaId,
    language: 'de',
    label: 'Deutsch',
    kind: 'subtitles',
    is_default: 0,
    source: 'upload',
    source_stream: null,
    revision: 1,
    storage_key: 'k',
    cue_count: 0,
    created_at: 1,
    updated_at: 1,
    ...extra,
  }) satisfies NewCaptionTrackRow;

const cue = (startS: number, text: string): Cue => ({
  id: '',
  startMs: startS * 1000,
  endMs: startS * 1000 + 2000,
  settings: '',
  text,
});

describe.each(DIALECTS)('CaptionsRepository on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  let captions: CaptionsRepository;
  let searching: CaptionSearchRepository;
  const tenantA = newId('ten');
  const tenantB = newId('ten');

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    captions = repos.captions;
    searching = repos.captionSearch;
    for (const id of [tenantA, tenantB])
      await repos.tenants.create({ id, name: id, created_at: 1, updated_at: 1 });
  });
  afterAll(() => handle.close());

  const search = (tenantId: string, q: string) => searching.search(tenantId, searchTerms(q), 50);

  it('finds a word said at 1:23 in one media, in any case and with umlauts, in its tenant only', async () => {
    const lecture = await repos.media.create(mediaRow(tenantA, 'Lecture'));
    const other = await repos.media.create(mediaRow(tenantB, 'Other tenant'));
    const track = await captions.create(trackRow(tenantA, lecture.id), [
      cue(1, 'Guten Morgen'),
      cue(83, '<i>So viel Ärger</i> mit dem Kühlschrank'),
    ]);
    await captions.create(trackRow(tenantB, other.id), [cue(5, 'Ärger auch hier')]);

    for (const q of ['ärger', 'ÄRGER', 'Ärger', 'ärg', 'kühlschrank ärger']) {
      const hits = await search(tenantA, q);
      expect(
        hits.map((h) => [h.mediaId, h.trackId, h.startMs, h.endMs, h.text]),
        q,
      ).toEqual([[lecture.id, track.id, 83_000, 85_000, 'So viel Ärger mit dem Kühlschrank']]);
      expect(hits[0]?.language).toBe('de');
    }
    expect((await search(tenantB, 'ärger')).map((h) => h.mediaId)).toEqual([other.id]);
    expect(await search(tenantA, 'kühlschrank nirgends')).toEqual([]);
    // Query syntax of either database is only a separator.
    expect(await search(tenantA, '"ärger"* & | !: ( ) -')).toHaveLength(1);
  });

  it('ranks the better match first', async () => {
    const media = await repos.media.create(mediaRow(tenantA, 'Ranking'));
    await captions.create(trackRow(tenantA, media.id), [
      cue(10, 'eine lange Zeile mit vielen Wörtern und einmal zebra darin und noch mehr Wörtern danach'),
      cue(20, 'zebra zebra'),
    ]);
    const hits = await search(tenantA, 'zebra');
    expect(hits.map((h) => h.startMs)).toEqual([20_000, 10_000]);
    expect(hits[0]?.score).toBeGreaterThan(hits[1]?.score ?? Infinity);
  });

  it('reindexes a replaced track and forgets a deleted one, and a deleted media', async () => {
    const media = await repos.media.create(mediaRow(tenantA, 'Replace'));
    const track = await captions.create(trackRow(tenantA, media.id, { cue_count: 1 }), [cue(1, 'walross')]);
    expect(await search(tenantA, 'walross')).toHaveLength(1);

    const stale = await captions.update(track, 7, { revision: 8 }, [cue(2, 'pinguin')]);
    expect(stale).toBeUndefined();
    const updated = await captions.update(track, 1, { revision: 2, cue_count: 1, storage_key: 'k2' }, [
      cue(2, 'pinguin'),
    ]);
    expect(updated).toMatchObject({ revision: 2, storage_key: 'k2' });
    expect(await search(tenantA, 'walross')).toEqual([]);
    expect((await search(tenantA, 'pinguin')).map((h) => h.startMs)).toEqual([2000]);

    expect(await captions.delete(tenantB, media.id, track.id)).toBeUndefined();
    expect((await captions.delete(tenantA, media.id, track.id))?.id).toBe(track.id);
    expect(await search(tenantA, 'pinguin')).toEqual([]);

    const again = await captions.create(trackRow(tenantA, media.id), [cue(3, 'seehund')]);
    expect(await search(tenantA, 'seehund')).toHaveLength(1);
    await repos.media.delete(tenantA, media.id);
    expect(await search(tenantA, 'seehund')).toEqual([]);
    expect(await captions.listForPlayback(media.id)).toEqual([]);
    expect(again.media_id).toBe(media.id);
  });

  it('lists tracks in a tenant, keeps one default, and finds extracted tracks by stream', async () => {
    const media = await repos.media.create(mediaRow(tenantA, 'Tracks'));
    const first = await captions.create(trackRow(tenantA, media.id, { is_default: 1, created_at: 1 }), []);
    const second = await captions.create(
      trackRow(tenantA, media.id, { is_default: 1, source: 'extracted', source_stream: 0, created_at: 2 }),
      [],
    );
    await captions.clearDefaults(media.id, second.id);
    const listed = await captions.list(tenantA, media.id);
    expect(listed.map((t) => [t.id, t.is_default])).toEqual([
      [first.id, 0],
      [second.id, 1],
    ]);
    expect(await captions.list(tenantB, media.id)).toEqual([]);
    expect(await captions.get(tenantB, media.id, first.id)).toBeUndefined();
    expect((await captions.getExtracted(media.id, 0))?.id).toBe(second.id);
    await expect(
      captions.create(trackRow(tenantA, media.id, { source: 'extracted', source_stream: 0 }), []),
    ).rejects.toThrow();
  });

  it('stores many cues in batches', async () => {
    const media = await repos.media.create(mediaRow(tenantA, 'Long'));
    const cues = Array.from({ length: 1234 }, (_, i) => cue(i * 2, `cue number ${i} okapi${i}`));
    await captions.create(trackRow(tenantA, media.id), cues);
    expect((await search(tenantA, 'okapi1233')).map((h) => h.startMs)).toEqual([2466_000]);
    expect(await searching.search(tenantA, ['okapi'], 10)).toHaveLength(10);
    expect((await searching.media(tenantA, [media.id])).map((m) => m.title)).toEqual(['Long']);
    expect(await searching.media(tenantB, [media.id])).toEqual([]);
  });
});
