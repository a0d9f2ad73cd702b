import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { urlValidationAnswer, verifyZoomRequest, zoomSignature } from './zoom-signature.ts';
import { SecretBox } from './secret-box.ts';

describe('Zoom webhook signatures', () => {
  const secret = 'zoom-secret-token';
  const body = '{"event":"recording.completed","payload":{}}';
  const ts = '1733600000';

  it("signs as Zoom documents: v0= hex HMAC-SHA256 of 'v0:<timestamp>:<body>'", () => {
    const expected = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
    expect(zoomSignature(secret, ts, body)).toBe(expected);
  });

  it('accepts a fresh, matching request and refuses forged, altered, unsigned and stale ones', () => {
    const signature = zoomSignature(secret, ts, body);
    const now = Number(ts) + 10;
    expect(verifyZoomRequest(secret, { signature, timestamp: ts }, body, now)).toBe('valid');
    expect(verifyZoomRequest('other', { signature, timestamp: ts }, body, now)).toBe('bad_signature');
    expect(verifyZoomRequest(secret, { signature, timestamp: ts }, `${body} `, now)).toBe('bad_signature');
    expect(verifyZoomRequest(secret, { signature, timestamp: '1733600001' }, body, now)).toBe(
      'bad_signature',
    );
    expect(verifyZoomRequest(secret, { signature: undefined, timestamp: ts }, body, now)).toBe(
      'bad_signature',
    );
    expect(verifyZoomRequest(secret, { signature, timestamp: 'abc' }, body, now)).toBe('bad_signature');
    expect(verifyZoomRequest(secret, { signature, timestamp: ts }, body, Number(ts) + 301)).toBe(
      'stale_timestamp',
    );
    expect(verifyZoomRequest(secret, { signature, timestamp: ts }, body, Number(ts) - 301)).toBe(
      'stale_timestamp',
    );
  });

  it('answers the URL validation challenge with the hex HMAC of the plain token', () => {
    expect(urlValidationAnswer(secret, 'abc')).toEqual({
      plainToken: 'abc',
      encryptedToken: createHmac('sha256', secret).update('abc').digest('hex'),
    });
  });
});

describe('SecretBox', () => {
  it('opens what it sealed, never shows the plain text, and refuses another key or a change', () => {
    const box = new SecretBox('server-secret-1', 'zoom-secrets');
    const sealed = box.seal('client-secret-value');
    expect(sealed).not.toContain('client-secret-value');
    expect(box.seal('client-secret-value')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('client-secret-value');
    expect(() => new SecretBox('server-secret-2', 'zoom-secrets').open(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = `${parts[3]?.slice(0, -2)}AA`;
    expect(() => box.open(parts.join('.'))).toThrow();
  });
});
