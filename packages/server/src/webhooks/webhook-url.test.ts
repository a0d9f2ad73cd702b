import { describe, expect, it } from 'vitest';
import { validateWebhookUrl } from './webhook-url.ts';

describe('webhook URL validation', () => {
  it('takes https URLs', () => {
    expect(validateWebhookUrl('https://example.com/hooks', false)).toBe('https://example.com/hooks');
  });

  it('refuses other schemes, plain http, and inside addresses', () => {
    for (const url of [
      'ftp://example.com/',
      'not a url',
      'http://example.com/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://127.0.0.1/hooks',
      'https://10.0.0.5/hooks',
      'https://localhost/hooks',
      'https://metadata.google.internal/',
    ]) {
      expect(() => validateWebhookUrl(url, false), url).toThrow(
        expect.objectContaining({ code: 'invalid_request' }),
      );
    }
  });

  it('allows http to loopback only when private addresses are allowed', () => {
    expect(validateWebhookUrl('http://127.0.0.1:9000/h', true)).toBe('http://127.0.0.1:9000/h');
    expect(() => validateWebhookUrl('http://127.0.0.1:9000/h', false)).toThrow();
    expect(() => validateWebhookUrl('http://example.com/h', true)).toThrow();
  });
});
