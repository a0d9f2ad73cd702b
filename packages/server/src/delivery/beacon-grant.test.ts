import { describe, expect, it } from 'vitest';
import { readBeaconGrant, signBeaconGrant, withBeaconGrant } from './beacon-grant.ts';
import { readPlaybackToken, signPlaybackToken } from './playback-token.ts';

const key = { id: 'sk_1', secret: 'a-secret-of-some-length' };
const secretOf = (id: string) => (id === key.id ? key.secret : undefined);
const grant = { mediaId: 'med_1', tenantId: 'ten_1', expiresAt: 2_000 };

describe('beacon grants', () => {
  it('read back what was signed, until they expire', () => {
    const text = signBeaconGrant(grant, key);
    expect(readBeaconGrant(text, 1_000, secretOf)).toEqual({ ok: true, grant, keyId: 'sk_1' });
    expect(readBeaconGrant(text, 2_000, secretOf)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse a changed claim, another key and garbage', () => {
    const [, signature] = signBeaconGrant(grant, key).split('.');
    const changed = Buffer.from(JSON.stringify({ b: 'med_2', n: 'ten_1', e: 2000, k: 'sk_1' })).toString(
      'base64url',
    );
    expect(readBeaconGrant(`${changed}.${signature}`, 1, secretOf)).toMatchObject({
      reason: 'bad_signature',
    });
    expect(readBeaconGrant(signBeaconGrant(grant, { id: 'sk_2', secret: 'x' }), 1, secretOf)).toMatchObject({
      reason: 'unknown_key',
    });
    for (const junk of ['', 'a.b.c', 'x.y', '%%%.%%%']) {
      expect(readBeaconGrant(junk, 1, secretOf).ok).toBe(false);
    }
  });

  it('are never playback tokens, nor tokens grants (same keys, separate labels and claims)', () => {
    expect(readPlaybackToken(signBeaconGrant(grant, key), secretOf).ok).toBe(false);
    const token = signPlaybackToken({ mediaId: 'med_1', expiresAt: 2_000 }, key);
    expect(readBeaconGrant(token, 1, secretOf).ok).toBe(false);
  });

  it('go into a master playlist as session data after its first line', () => {
    expect(withBeaconGrant('#EXTM3U\n#EXT-X-VERSION:7\n', 'abc.def')).toBe(
      '#EXTM3U\n#EXT-X-SESSION-DATA:DATA-ID="video.kino.beacon",VALUE="abc.def"\n#EXT-X-VERSION:7\n',
    );
  });
});
