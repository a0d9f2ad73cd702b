import { describe, expect, it } from 'vitest';
import {
  commonShape,
  concatList,
  pictureInPictureArgs,
  repairArgs,
  sameShape,
} from './recording-commands.ts';

const vp8 = {
  video: { codec: 'vp8', width: 640, height: 480 },
  audio: { codec: 'opus', sampleRate: 48000, channels: 1 },
};

describe('recording commands', () => {
  it('lists parts for the concat demuxer with their probed durations, quotes escaped', () => {
    expect(
      concatList([
        { name: 'camera-0.mkv', durationSeconds: 4.8491 },
        { name: "it's.mkv", durationSeconds: 2 },
      ]),
    ).toBe("file 'camera-0.mkv'\nduration 4.849\nfile 'it'\\''s.mkv'\nduration 2.000\n");
  });

  it('joins without re-encoding only parts of one shape, and re-encodes others to the first size', () => {
    expect(sameShape([vp8, { ...vp8 }])).toBe(true);
    const smaller = { ...vp8, video: { codec: 'vp8', width: 319, height: 241 } };
    expect(sameShape([vp8, smaller])).toBe(false);
    expect(commonShape([smaller, vp8])).toEqual({
      video: { codec: 'h264', width: 320, height: 242 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 2 },
    });
  });

  it('reads parts only through the allowed demuxers and the file protocol', () => {
    const args = repairArgs('part.webm', 'matroska', 'fixed.mkv');
    expect(args).toEqual(
      expect.arrayContaining(['-protocol_whitelist', 'file,pipe', '-f', 'matroska', '-c', 'copy']),
    );
    expect(args.at(-1)).toBe('fixed.mkv');
  });

  it('puts the camera in a corner of the screen at a quarter of its width, with the camera sound', () => {
    const args = pictureInPictureArgs({
      screen: 's.mkv',
      camera: 'c.mkv',
      screenWidth: 1280,
      soundFrom: 'camera',
      output: 'o.mkv',
    });
    expect(args.join(' ')).toContain('[1:v:0]scale=320:-2');
    expect(args).toEqual(expect.arrayContaining(['-map', '[v]', '-map', '1:a:0']));
  });
});
