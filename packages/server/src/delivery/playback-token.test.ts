import { describe, expect, it } from 'vitest';
import { signPlaybackToken, verifyPlaybackToken } from './playback-token.ts';

const key = { id: 'sk_1', secret: 'a'.repeat(43) };
const secretOf = (id: string) => (id === key.id ? key.secret : undefined);
const now = 1_800_000_000;

describe('playback tokens', () => {
  const token = signPlaybackToken({ mediaId: 'med_a', expiresAt: now + 60 }, key);

  it('open the media they name until they expire', () => {
    expect(verifyPlaybackToken(token, { mediaId: 'med_a', nowSeconds: now }, secretOf)).toMatchObject({
      ok: true,
    });
    expect(verifyPlaybackToken(token, { mediaId: 'med_b', nowSeconds: now }, secretOf)).toEqual({
      ok: false,
      reason: 'wrong_media',
    });
    expect(verifyPlaybackToken(token, { mediaId: 'med_a', nowSeconds: now + 60 }, secretOf)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('are refused with an unknown key or from another address', () => {
    const other = signPlaybackToken(
      { mediaId: 'med_a', expiresAt: now + 60 },
      { id: 'sk_2', secret: 'b'.repeat(43) },
    );
    expect(verifyPlaybackToken(other, { mediaId: 'med_a', nowSeconds: now }, secretOf)).toMatchObject({
      reason: 'unknown_key',
    });
    const pinned = signPlaybackToken({ mediaId: 'med_a', expiresAt: now + 60, ip: '10.0.0.1' }, key);
    expect(
      verifyPlaybackToken(pinned, { mediaId: 'med_a', nowSeconds: now, ip: '10.0.0.2' }, secretOf),
    ).toMatchObject({
      reason: 'wrong_ip',
    });
  });

  it('never verify after any random mutation', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    let rng = 42;
    const random = (n: number) => {
      rng = (rng * 1103515245 + 12345) % 2 ** 31;
      return rng % n;
    };
    for (let i = 0; i < 5000; i++) {
      const chars = token.split('');
      const edits = 1 + random(3);
      for (let e = 0; e < edits; e++) {
        const at = random(chars.length + 1);
        const op = random(3);
        const ch = alphabet[random(alphabet.length)] ?? 'A';
        if (op === 0) chars[at] = ch;
        else if (op === 1) chars.splice(at, 1);
        else chars.splice(at, 0, ch);
      }
      const mutated = chars.join('');
      if (mutated === token) continue;
      const verdict = verifyPlaybackToken(mutated, { mediaId: 'med_a', nowSeconds: now }, secretOf);
      expect(verdict.ok, mutated).toBe(false);
    }
  });
});
