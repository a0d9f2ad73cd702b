import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostMatches } from '../lib/host-patterns.ts';
import { signPlaybackToken, verifyPlaybackToken, type PlaybackClaims } from './playback-token.ts';

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

  it('are refused with an unknown key', () => {
    const other = signPlaybackToken(
      { mediaId: 'med_a', expiresAt: now + 60 },
      { id: 'sk_2', secret: 'b'.repeat(43) },
    );
    expect(verifyPlaybackToken(other, { mediaId: 'med_a', nowSeconds: now }, secretOf)).toMatchObject({
      reason: 'unknown_key',
    });
  });

  it('bound to an address or a network open from there only', () => {
    const check = (ip: string, from: string | undefined) =>
      verifyPlaybackToken(
        signPlaybackToken({ mediaId: 'med_a', expiresAt: now + 60, ip }, key),
        { mediaId: 'med_a', nowSeconds: now, ip: from },
        secretOf,
      );
    expect(check('10.0.0.1', '10.0.0.1')).toMatchObject({ ok: true, claims: { ip: '10.0.0.1' } });
    expect(check('10.0.0.1', '::ffff:10.0.0.1')).toMatchObject({ ok: true });
    expect(check('10.0.0.1', '10.0.0.2')).toEqual({ ok: false, reason: 'wrong_ip' });
    expect(check('10.0.0.1', undefined)).toEqual({ ok: false, reason: 'wrong_ip' });
    expect(check('10.0.0.0/24', '10.0.0.200')).toMatchObject({ ok: true });
    expect(check('10.0.0.0/24', '10.0.1.1')).toEqual({ ok: false, reason: 'wrong_ip' });
    expect(check('2001:db8::/48', '2001:db8:0:1::5')).toMatchObject({ ok: true });
    expect(check('2001:db8::/48', '2001:db9::5')).toEqual({ ok: false, reason: 'wrong_ip' });
  });

  it('bound to referrer domains open on those pages only', () => {
    const bound = signPlaybackToken(
      { mediaId: 'med_a', expiresAt: now + 60, referrers: ['example.com', '*.example.org'] },
      key,
    );
    const on = (host: string | null) =>
      verifyPlaybackToken(
        bound,
        {
          mediaId: 'med_a',
          nowSeconds: now,
          referrerAllowed: (patterns) => host !== null && hostMatches(patterns, host),
        },
        secretOf,
      );
    expect(on('example.com')).toMatchObject({
      ok: true,
      claims: { referrers: ['example.com', '*.example.org'] },
    });
    expect(on('www.example.org')).toMatchObject({ ok: true });
    expect(on('www.example.com')).toEqual({ ok: false, reason: 'wrong_referrer' });
    expect(on(null)).toEqual({ ok: false, reason: 'wrong_referrer' });
    expect(verifyPlaybackToken(bound, { mediaId: 'med_a', nowSeconds: now }, secretOf)).toEqual({
      ok: false,
      reason: 'wrong_referrer',
    });
  });

  it('signed with an older key keep verifying beside the new key, and name their key', () => {
    const old = { id: 'sk_old', secret: 'o'.repeat(43) };
    const fresh = { id: 'sk_new', secret: 'n'.repeat(43) };
    const keys = new Map([old, fresh].map((k) => [k.id, k.secret]));
    const before = signPlaybackToken({ mediaId: 'med_a', expiresAt: now + 60 }, old);
    const after = signPlaybackToken({ mediaId: 'med_a', expiresAt: now + 60 }, fresh);
    const kid = (t: string) =>
      (JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()) as { k: string }).k;
    expect([kid(before), kid(after)]).toEqual(['sk_old', 'sk_new']);
    for (const t of [before, after]) {
      expect(verifyPlaybackToken(t, { mediaId: 'med_a', nowSeconds: now }, (id) => keys.get(id)).ok).toBe(
        true,
      );
    }
  });
});

describe('the token verifier (properties)', () => {
  const claimsArb: fc.Arbitrary<PlaybackClaims> = fc.record(
    {
      mediaId: fc.stringMatching(/^med_[0-9a-z]{26}$/),
      expiresAt: fc.integer({ min: now + 1, max: now + 7 * 24 * 3600 }),
      ip: fc.oneof(
        fc.ipV4(),
        fc.ipV6(),
        fc.ipV4().map((ip) => `${ip}/24`),
      ),
      referrers: fc.array(
        fc.domain().map((d) => d.toLowerCase()),
        { minLength: 1, maxLength: 3 },
      ),
    },
    { requiredKeys: ['mediaId', 'expiresAt'] },
  );
  const keyArb = fc.record({
    id: fc.stringMatching(/^sk_[0-9a-z]{26}$/),
    secret: fc.base64String({ minLength: 40, maxLength: 44 }),
  });
  /** What a request that the claims allow looks like. */
  const expectationFor = (claims: PlaybackClaims) => ({
    mediaId: claims.mediaId,
    nowSeconds: now,
    ip: claims.ip?.replace('/24', ''),
    referrerAllowed: (patterns: readonly string[]) =>
      claims.referrers !== undefined && patterns.join() === claims.referrers.join(),
  });

  it('always verify a token signed for the request', () => {
    fc.assert(
      fc.property(claimsArb, keyArb, (claims, k) => {
        const t = signPlaybackToken(claims, k);
        const verdict = verifyPlaybackToken(t, expectationFor(claims), (id) =>
          id === k.id ? k.secret : undefined,
        );
        expect(verdict).toMatchObject({
          ok: true,
          claims: { mediaId: claims.mediaId, expiresAt: claims.expiresAt },
        });
      }),
      { numRuns: 500 },
    );
  });

  /** Ways to damage a token: every one must leave something that does not verify. */
  const mutation = fc.oneof(
    // Replace one character with any other, from the token's alphabet or far outside it.
    fc.record({
      kind: fc.constant('replace' as const),
      at: fc.nat(),
      char: fc.oneof(
        fc.constantFrom(
          ...Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %\0'),
        ),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
    }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    // Flip one bit of the decoded claims or signature and encode again.
    fc.record({
      kind: fc.constant('flip' as const),
      part: fc.constantFrom(0, 1),
      at: fc.nat(),
      bit: fc.integer({ min: 0, max: 7 }),
    }),
  );

  type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;
  const apply = (t: string, m: Mutation): string => {
    const at = (n: number, length: number) => (length === 0 ? 0 : n % length);
    switch (m.kind) {
      case 'replace': {
        const i = at(m.at, t.length);
        return t.slice(0, i) + m.char + t.slice(i + 1);
      }
      case 'insert': {
        const i = at(m.at, t.length + 1);
        return t.slice(0, i) + m.text + t.slice(i);
      }
      case 'delete': {
        const i = at(m.at, t.length);
        return t.slice(0, i) + t.slice(i + m.length);
      }
      case 'truncate':
        return t.slice(0, at(m.at, t.length));
      case 'flip': {
        const parts = t.split('.');
        const bytes = Buffer.from(parts[m.part] ?? '', 'base64url');
        if (bytes.length === 0) return t;
        const i = at(m.at, bytes.length);
        bytes[i] = (bytes[i] ?? 0) ^ (1 << m.bit);
        parts[m.part] = bytes.toString('base64url');
        return parts.join('.');
      }
    }
  };

  it('never verify a mutated, truncated or extended token', () => {
    fc.assert(
      fc.property(
        claimsArb,
        keyArb,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (claims, k, edits) => {
          const t = signPlaybackToken(claims, k);
          const mutated = edits.reduce<string>((s, m) => apply(s, m), t);
          fc.pre(mutated !== t);
          const verdict = verifyPlaybackToken(mutated, expectationFor(claims), (id) =>
            id === k.id ? k.secret : undefined,
          );
          expect(verdict.ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never verify a splice of two valid tokens', () => {
    fc.assert(
      fc.property(claimsArb, claimsArb, keyArb, fc.nat(), fc.nat(), (a, b, k, i, j) => {
        const ta = signPlaybackToken(a, k);
        const tb = signPlaybackToken(b, k);
        const [bodyA, sigA] = ta.split('.');
        const [bodyB, sigB] = tb.split('.');
        const splices = [
          ta.slice(0, i % (ta.length + 1)) + tb.slice(j % (tb.length + 1)),
          `${bodyA}.${sigB}`,
          `${bodyB}.${sigA}`,
          `${bodyA}${bodyB}.${sigA}`,
          `${ta}.${sigB}`,
          `${ta}${tb}`,
        ];
        const secret = (id: string) => (id === k.id ? k.secret : undefined);
        for (const spliced of splices) {
          if (spliced === ta || spliced === tb) continue;
          // Whichever token's request it is presented with.
          expect(verifyPlaybackToken(spliced, expectationFor(a), secret).ok, spliced).toBe(false);
          expect(verifyPlaybackToken(spliced, expectationFor(b), secret).ok, spliced).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});
