import { parse } from 'content-disposition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishMedia, startPlayKino, type PlayKino } from '../../test/play-fixture.ts';
import { downloadDisposition, downloadFileName } from './download-name.ts';

describe('download names', () => {
  it('come from the title, without path separators or control characters', () => {
    expect(downloadFileName('Keynote 2026')).toBe('Keynote 2026.mp4');
    expect(downloadFileName('a/b\\c:d\u0000e')).toBe('a b c d e.mp4');
    expect(downloadFileName('   ')).toBe('video.mp4');
  });

  it('carry filename* (RFC 8187) for names that are not ASCII, and an ASCII filename for old clients', () => {
    const header = downloadDisposition('Ärger im Büro');
    expect(header).toBe(
      `attachment; filename="Arger im Buro.mp4"; filename*=UTF-8''%C3%84rger%20im%20B%C3%BCro.mp4`,
    );
    expect(parse(header).parameters.filename).toBe('Ärger im Büro.mp4');
    expect(downloadDisposition('Лекция')).toMatch(/^attachment; filename="?_+\.mp4"?; filename\*=UTF-8''/);
    expect(downloadDisposition('plain')).toBe('attachment; filename=plain.mp4');
  });
});

describe('the MP4 download', () => {
  let kino: PlayKino;

  beforeAll(async () => {
    kino = await startPlayKino();
  });
  afterAll(() => kino.close());

  it('is named after the media’s title, non-ASCII included', async () => {
    const tenant = await kino.tenant();
    const media = await publishMedia(kino, tenant);
    await kino.app.inject({
      method: 'PATCH',
      url: `/v1/media/${media.id}`,
      headers: { authorization: `Bearer ${tenant.key}` },
      payload: { title: 'Ärger im Büro' },
    });
    for (const url of [`/play/${media.id}/download.mp4`, `/play/${media.id}/${media.version}/download.mp4`]) {
      const res = await kino.request('GET', url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="Arger im Buro.mp4"; filename*=UTF-8''%C3%84rger%20im%20B%C3%BCro.mp4`,
      );
    }
    const segment = await kino.request('GET', `/play/${media.id}/${media.version}/video-180p/0.m4s`);
    expect(segment.headers['content-disposition']).toBeUndefined();
  });
});
