import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { run } from '../../test/media-tools.ts';
import { waitForMedia } from '../../test/media-upload.ts';
import type { MediaJson } from '../media/media.schemas.ts';
import type { CaptionTrackJson } from './captions.schemas.ts';
import { UNTRUSTED_INPUT } from '../processing/input-format.ts';
import { extractSubtitlesArgs, parseSubtitleStreams, subtitleProbeArgs } from './source-subtitles.ts';

describe('subtitle streams of a source', () => {
  it('are listed with ffprobe, and only text ones become tracks, keeping their ordinal', () => {
    expect(subtitleProbeArgs('/work/src.mp4')).toEqual([
      '-v',
      'error',
      ...UNTRUSTED_INPUT,
      '-select_streams',
      's',
      '-show_entries',
      'stream=index,codec_name:stream_tags=language,title:stream_disposition=default,hearing_impaired',
      '-of',
      'json',
      '/work/src.mp4',
    ]);
    const listing = JSON.stringify({
      streams: [
        { index: 2, codec_name: 'hdmv_pgs_subtitle', tags: { language: 'eng' } },
        {
          index: 3,
          codec_name: 'mov_text',
          tags: { language: 'ger', title: 'Deutsch (SDH)' },
          disposition: { default: 1, hearing_impaired: 1 },
        },
        { index: 4, codec_name: 'subrip', tags: { language: 'xx-invalid-tag!' } },
      ],
    });
    expect(parseSubtitleStreams(listing)).toEqual([
      {
        ordinal: 1,
        codec: 'mov_text',
        language: 'de',
        title: 'Deutsch (SDH)',
        isDefault: true,
        hearingImpaired: true,
      },
      { ordinal: 2, codec: 'subrip', language: 'und', title: null, isDefault: false, hearingImpaired: false },
    ]);
    expect(parseSubtitleStreams('{}')).toEqual([]);
  });

  it('are converted to WebVTT by one ffmpeg run, one output per stream', () => {
    const streams = parseSubtitleStreams(
      JSON.stringify({ streams: [{ codec_name: 'mov_text' }, { codec_name: 'ass' }] }),
    );
    expect(extractSubtitlesArgs('/w/src.mkv', streams, '/w/subs')).toEqual([
      ...['-nostdin', '-hide_banner', '-v', 'error', '-protocol_whitelist', 'file,pipe', '-i', '/w/src.mkv'],
      ...['-map', '0:s:0', '-c:s', 'webvtt', '-f', 'webvtt', '/w/subs/subtitles-0.vtt'],
      ...['-map', '0:s:1', '-c:s', 'webvtt', '-f', 'webvtt', '/w/subs/subtitles-1.vtt'],
    ]);
  });
});

describe('processing a source with a text subtitle stream', () => {
  let kino: MediaKino;
  let key: string;
  let dir: string;
  let source: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kino-subs-'));
    const clip = await generate({ width: 320, height: 180, durationSec: 4 });
    const srt = path.join(dir, 'de.srt');
    await fs.writeFile(
      srt,
      '1\n00:00:01,000 --> 00:00:02,500\nIm Film gesagt\n\n2\n00:00:03,000 --> 00:00:03,800\nEnde\n',
    );
    source = path.join(dir, 'with-subs.mp4');
    await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-i', clip, '-i', srt],
      ...['-map', '0', '-map', '1', '-c', 'copy', '-c:s', 'mov_text'],
      ...['-metadata:s:s:0', 'language=ger', '-metadata:s:s:0', 'title=Deutsch', source],
    ]);
    kino = await startMediaKino('sqlite+disk');
    key = (await kino.tenant()).key;
  }, 60_000);
  afterAll(async () => {
    await kino.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('makes it an extracted track, once, whose cues line up with the video', async () => {
    const boundary = '----kino-subs-test';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="with-subs.mp4"\r\n\r\n`,
      ),
      await fs.readFile(source),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const created = await kino.app.inject({
      method: 'POST',
      url: '/v1/media',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload: body,
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<MediaJson>().id;
    const { final } = await waitForMedia(kino, key, [id], { timeoutMs: 60_000 });
    expect(final.get(id)?.status).toBe('ready');

    const list = async () =>
      (await kino.call(key, 'GET', `/v1/media/${id}/captions`)).json<{ items: CaptionTrackJson[] }>().items;
    const [track, ...others] = await list();
    expect(others).toEqual([]);
    expect(track).toMatchObject({
      source: 'extracted',
      language: 'de',
      label: 'Deutsch',
      kind: 'subtitles',
      cueCount: 2,
    });
    const vtt = await kino.call(key, 'GET', `/v1/media/${id}/captions/${track?.id ?? ''}.vtt`);
    expect(vtt.body).toBe(
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nIm Film gesagt\n\n00:00:03.000 --> 00:00:03.800\nEnde\n',
    );

    // Processing again keeps the track as it is.
    expect((await kino.call(key, 'POST', `/v1/media/${id}/reprocess`)).statusCode).toBe(202);
    const again = await waitForMedia(kino, key, [id], { timeoutMs: 60_000 });
    expect(again.final.get(id)?.status).toBe('ready');
    expect((await list()).map((t) => t.id)).toEqual([track?.id]);
  }, 150_000);
});
