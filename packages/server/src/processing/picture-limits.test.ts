import { describe, expect, it } from 'vitest';
import {
  MAX_SOURCE_FRAME_RATE,
  MAX_SOURCE_PIXELS,
  MAX_SOURCE_SIDE,
  pictureRefusal,
  type PictureFacts,
} from './picture-limits.ts';

const picture = (width: number, height: number, rates: Partial<PictureFacts> = {}): PictureFacts => ({
  width,
  height,
  displayWidth: width,
  displayHeight: height,
  frameRate: 30,
  averageFrameRate: 30,
  ...rates,
});

describe('pictureRefusal', () => {
  it('states the maximum: 8192 pixels a side, 8K in all, 240 frames a second', () => {
    expect([MAX_SOURCE_SIDE, MAX_SOURCE_PIXELS, MAX_SOURCE_FRAME_RATE]).toEqual([8192, 8192 * 4320, 240]);
  });

  it('accepts what cameras, phones and screens make, up to 8K and slow motion at 240 fps', () => {
    for (const ok of [
      picture(1920, 1080),
      picture(1080, 1920, { frameRate: 240, averageFrameRate: 240 }),
      picture(3840, 2160, { frameRate: 60, averageFrameRate: 60 }),
      picture(7680, 4320),
      picture(8192, 4320, { frameRate: 120, averageFrameRate: 120 }),
      picture(4320, 8192),
      picture(8192, 16),
      picture(16, 8192),
    ]) {
      expect(pictureRefusal(ok), `${ok.width}x${ok.height}`).toBeNull();
    }
  });

  it('refuses a side longer than 8192 pixels, coded or as displayed', () => {
    expect(pictureRefusal(picture(15360, 15360))).toMatch(/15360×15360.*8192/);
    expect(pictureRefusal(picture(8208, 16))).toMatch(/8208×16.*8192 pixels wide or tall/);
    expect(pictureRefusal(picture(16, 8194))).toMatch(/16×8194/);
    // Non-square pixels that stretch a 4000-pixel picture to 16000 wide.
    expect(pictureRefusal({ ...picture(4000, 2000), displayWidth: 16000 })).toMatch(/16000×2000/);
  });

  it('refuses more pixels than 8K even when each side is within 8192', () => {
    expect(pictureRefusal(picture(8192, 8192))).toMatch(/8192×8192.*8K/);
    expect(pictureRefusal(picture(8192, 4322))).not.toBeNull();
  });

  it('refuses a frame rate above 240 only when every rate ffprobe states is above it', () => {
    expect(pictureRefusal(picture(640, 360, { frameRate: 1000, averageFrameRate: 1000 }))).toMatch(
      /1000 frames a second.*240/,
    );
    expect(pictureRefusal(picture(640, 360, { frameRate: 1e6, averageFrameRate: null }))).not.toBeNull();
    // A browser recording's WebM: a nominal 1000 fps (its time base), 30 frames a second in fact.
    expect(pictureRefusal(picture(640, 360, { frameRate: 1000, averageFrameRate: 30 }))).toBeNull();
    expect(pictureRefusal(picture(640, 360, { frameRate: null, averageFrameRate: null }))).toBeNull();
  });
});
