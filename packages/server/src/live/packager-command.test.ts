import { describe, expect, it } from 'vitest';
import { planPackager, readPackagerPlaylist } from './packager-command.ts';

describe('the live packager command', () => {
  it('copies H.264 and AAC into CMAF segments, one folder per track', () => {
    const plan = planPackager(
      { video: 'h264', audio: 'aac', height: 720 },
      { latency: 'standard', ladder: 'passthrough', outDir: '/w' },
    );
    if ('refused' in plan) throw new Error('refused');
    expect(plan.tracks).toEqual([
      { id: 'video', kind: 'video' },
      { id: 'audio', kind: 'audio' },
    ]);
    expect(plan.args).toEqual(
      expect.arrayContaining(['-c:v', 'copy', '-c:a', 'copy', '-hls_segment_type', 'fmp4']),
    );
    expect(plan.args.join(' ')).toContain('-hls_time 4');
    expect(plan.args.join(' ')).toContain(
      '-var_stream_map v:0,agroup:aud,name:video a:0,agroup:aud,name:audio',
    );
  });

  it('cuts short segments in low latency and makes other sound AAC', () => {
    const plan = planPackager(
      { video: 'h264', audio: 'other', height: null },
      { latency: 'low', ladder: 'passthrough', outDir: '/w' },
    );
    if ('refused' in plan) throw new Error('refused');
    expect(plan.args.join(' ')).toContain('-hls_time 1');
    expect(plan.args.join(' ')).toContain('-c:a aac');
  });

  it('refuses video it cannot pass through, unless the ladder encodes it', () => {
    expect(
      planPackager(
        { video: 'other', audio: 'aac', height: 360 },
        { latency: 'standard', ladder: 'passthrough', outDir: '/w' },
      ),
    ).toMatchObject({ refused: 'unsupported_live_codec' });
    expect(
      planPackager(
        { video: null, audio: 'aac', height: null },
        { latency: 'standard', ladder: 'abr', outDir: '/w' },
      ),
    ).toMatchObject({ refused: 'unsupported_live_codec' });
    const ladder = planPackager(
      { video: 'other', audio: 'aac', height: 1080 },
      { latency: 'standard', ladder: 'abr', outDir: '/w' },
    );
    if ('refused' in ladder) throw new Error('refused');
    expect(ladder.tracks.map((t) => t.id)).toEqual(['v720', 'v480', 'v360', 'audio']);
    expect(ladder.args.join(' ')).toContain('expr:gte(t,n_forced*4)');
  });

  it("reads the finished segments of ffmpeg's own playlist", () => {
    const text =
      '#EXTM3U\n#EXT-X-MAP:URI="init_0.mp4"\n#EXTINF:4.000000,\n0.m4s\n#EXTINF:3.966667,\n1.m4s\n#EXTINF:2.0,\n../evil.m4s\n';
    expect(readPackagerPlaylist(text)).toEqual({
      init: 'init_0.mp4',
      segments: [
        { file: '0.m4s', durationMs: 4000 },
        { file: '1.m4s', durationMs: 3967 },
      ],
    });
  });
});
