import { describe, expect, it } from 'vitest';
import { batches, grantInPlaylist, newViewId } from './playback-beacons.ts';

describe('playback beacons', () => {
  it('reads the beacon grant Kino lists in a master playlist', () => {
    const playlist =
      '#EXTM3U\n#EXT-X-SESSION-DATA:DATA-ID="video.kino.beacon",VALUE="abc.def"\n#EXT-X-VERSION:7\n';
    expect(grantInPlaylist(playlist)).toBe('abc.def');
    expect(grantInPlaylist('#EXTM3U\n#EXT-X-SESSION-DATA:DATA-ID="other",VALUE="x"\n')).toBeNull();
  });

  it('draws view ids Kino takes (16 to 64 URL-safe characters), different each time', () => {
    const ids = new Set(Array.from({ length: 100 }, newViewId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
  });

  it('splits events into beacons Kino takes', () => {
    expect(batches(Array.from({ length: 130 }, (_, i) => i)).map((b) => b.length)).toEqual([60, 60, 10]);
  });
});
