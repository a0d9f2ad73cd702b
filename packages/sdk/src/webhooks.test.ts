import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError } from './errors.ts';
import { verifyWebhook } from './webhooks.ts';

const secret = 'whsec_test_0123456789';
const body = JSON.stringify({
  id: 'evt_1',
  type: 'media.ready',
  createdAt: '2026-01-01T00:00:00.000Z',
  data: { id: 'med_1' },
});
const now = 1_800_000_000_000;
const t = String(now / 1000);
const sign = (s: string, time: string, raw: string) =>
  createHmac('sha256', s).update(`${time}.${raw}`).digest('hex');

const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (err: unknown) => (err instanceof WebhookVerificationError ? err.reason : `unexpected ${String(err)}`),
  );

describe('verifyWebhook', () => {
  it('accepts the signature Kino makes, on a string or on bytes, and returns the event', async () => {
    const header = `t=${t},v1=${sign(secret, t, body)}`;
    await expect(verifyWebhook({ secret, header, rawBody: body, now })).resolves.toMatchObject({
      type: 'media.ready',
    });
    await expect(verifyWebhook({ secret, header, rawBody: Buffer.from(body), now })).resolves.toMatchObject({
      data: { id: 'med_1' },
    });
  });

  it('accepts a header with a second v1 (a rotation) when one of them matches', async () => {
    const header = `t=${t},v1=${sign('old', t, body)},v1=${sign(secret, t, body)}`;
    expect(await reasonOf(verifyWebhook({ secret, header, rawBody: body, now }))).toBe('accepted');
  });

  it('refuses a wrong secret, a changed body, a moved timestamp and a malformed header', async () => {
    const good = `t=${t},v1=${sign(secret, t, body)}`;
    const cases: [string | undefined, string, string][] = [
      [`t=${t},v1=${sign('another', t, body)}`, body, 'signature_mismatch'],
      [good, body.replace('med_1', 'med_2'), 'signature_mismatch'],
      [`t=${Number(t) + 1},v1=${sign(secret, t, body)}`, body, 'signature_mismatch'],
      [undefined, body, 'missing_signature'],
      ['', body, 'missing_signature'],
      [`v1=${sign(secret, t, body)}`, body, 'malformed_signature'],
      [`t=${t},v1=not-hex`, body, 'malformed_signature'],
      [`t=${t}`, body, 'malformed_signature'],
    ];
    for (const [header, rawBody, reason] of cases) {
      expect(await reasonOf(verifyWebhook({ secret, header, rawBody, now }))).toBe(reason);
    }
  });

  it('refuses a signature older or newer than the tolerance', async () => {
    const header = `t=${t},v1=${sign(secret, t, body)}`;
    const at = (offsetSeconds: number, toleranceSeconds?: number) =>
      reasonOf(
        verifyWebhook({ secret, header, rawBody: body, now: now + offsetSeconds * 1000, toleranceSeconds }),
      );
    expect(await at(299)).toBe('accepted');
    expect(await at(301)).toBe('timestamp_out_of_tolerance');
    expect(await at(-301)).toBe('timestamp_out_of_tolerance');
    expect(await at(60, 30)).toBe('timestamp_out_of_tolerance');
  });

  it('refuses a correctly signed body that is not JSON', async () => {
    const header = `t=${t},v1=${sign(secret, t, 'not json')}`;
    expect(await reasonOf(verifyWebhook({ secret, header, rawBody: 'not json', now }))).toBe(
      'malformed_body',
    );
  });
});
