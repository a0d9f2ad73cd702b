import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CEA608_FIXTURE, c608MovFixture, cea608SeiFixture } from './caption-fixtures.ts';

const exec = promisify(execFile);

/** The cues of a WebVTT text as "start --> end text" lines. */
const cueLines = (vtt: string) =>
  [...vtt.matchAll(/([\d:.]+ --> [\d:.]+)\n([^\n]+)/g)].map((m) => `${m[1] ?? ''} ${m[2] ?? ''}`);

describe('CEA-608 caption fixtures', () => {
  it('an MP4 whose H.264 carries the captions in CC1: ffprobe sees them, ffmpeg decodes them', async () => {
    const file = await cea608SeiFixture();
    const probe = await exec('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1'],
      ...['-show_entries', 'frame=key_frame:stream=closed_captions,width,nb_frames', '-of', 'json', file],
    ]);
    expect(JSON.parse(probe.stdout)).toMatchObject({
      streams: [{ closed_captions: 1, width: CEA608_FIXTURE.width, nb_frames: '90' }],
    });
    const escaped = file.replace(/[\\':]/g, (c) => `\\${c}`).replace(/[\\'[\],;]/g, (c) => `\\${c}`);
    const { stdout } = await exec('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', `movie=filename=${escaped}:format_name=mov[out0+subcc]`],
      ...['-map', '0:s', '-f', 'webvtt', '-'],
    ]);
    expect(cueLines(stdout)).toEqual([
      '00:00.500 --> 00:01.400 HELLO FROM KINO',
      '00:02.000 --> 00:02.700 CAPTIONS KEPT',
    ]);
  }, 60_000);

  it('a QuickTime file with the same captions in a c608 track', async () => {
    const file = await c608MovFixture();
    const probe = await exec('ffprobe', [
      ...['-v', 'error', '-show_entries', 'stream=codec_name,codec_tag_string', '-of', 'csv=p=0', file],
    ]);
    expect(probe.stdout.trim().split('\n')).toEqual(['h264,avc1', 'aac,mp4a', 'eia_608,c608']);
    const { stdout } = await exec('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:s', '-f', 'webvtt', '-']);
    expect(cueLines(stdout).map((line) => line.replace(/^\S+ --> \S+ /, ''))).toEqual(
      CEA608_FIXTURE.captions.map((c) => c.text),
    );
  }, 60_000);
});
