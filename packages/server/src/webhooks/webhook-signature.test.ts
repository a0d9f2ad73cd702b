import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signatureHeader, verifySignature } from './webhook-signature.ts';

/** The recipe the README gives receivers, written out independently of the server's code. */
function readmeVerify(secret: string, header: string, rawBody: string, nowSeconds: number): boolean {
  const fields = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  const t = Number(fields.t);
  if (!Number.isFinite(t) || Math.abs(nowSeconds - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${fields.t}.${rawBody}`).digest();
  const given = Buffer.from(fields.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhook signatures', () => {
  const secret = newWebhookSecret();
  const body = JSON.stringify({
    type: 'media.ready',
    createdAt: '2026-01-01T00:00:00.000Z',
    data: { id: 'med_1' },
  });

  it('makes 32-byte secrets, different every time', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('signs t + "." + body with HMAC-SHA256, verifiable by the documented recipe', () => {
    const header = signatureHeader(secret, body, 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(readmeVerify(secret, header, body, 1_700_000_010)).toBe(true);
    expect(verifySignature(secret, header, body, { nowSeconds: 1_700_000_010, toleranceSeconds: 300 })).toBe(
      true,
    );
  });

  it('rejects another body, another secret and an old timestamp (replay)', () => {
    const header = signatureHeader(secret, body, 1_700_000_000);
    expect(readmeVerify(secret, header, `${body} `, 1_700_000_000)).toBe(false);
    expect(readmeVerify(newWebhookSecret(), header, body, 1_700_000_000)).toBe(false);
    expect(readmeVerify(secret, header, body, 1_700_000_000 + 301)).toBe(false);
    const opts = { nowSeconds: 1_700_000_000 + 301, toleranceSeconds: 300 };
    expect(verifySignature(secret, header, body, opts)).toBe(false);
    expect(verifySignature(secret, 'garbage', body, { ...opts, nowSeconds: 1_700_000_000 })).toBe(false);
  });
});
