import { describe, expect, it } from 'vitest';
import { behindLive, liveIsTransient, liveMessageOf } from './live-view.ts';

describe('live view', () => {
  it('is behind live only well behind where hls.js holds a live player', () => {
    // hls.js plays about three target durations behind the edge: that is live.
    expect(behindLive(100, 113, 4)).toBe(false);
    expect(behindLive(80, 113, 4)).toBe(true);
    expect(behindLive(80, null, 4)).toBe(false);
  });

  it('says offline and keeps asking while the stream is offline', () => {
    const view = liveMessageOf({ id: 'ls_1', title: '', state: 'offline', message: null, playback: null });
    expect(view.heading).toBe('Offline');
    expect(liveIsTransient('offline')).toBe(true);
    expect(liveIsTransient('private')).toBe(false);
  });

  it('names a private stream without telling anything of it', () => {
    expect(
      liveMessageOf({ id: 'ls_1', title: '', state: 'private', message: null, playback: null }).heading,
    ).toBe('This live stream is private');
  });
});
