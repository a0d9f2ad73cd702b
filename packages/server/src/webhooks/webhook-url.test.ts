import { describe, expect, it } from 'vitest';
import { tableResolver } from '../../test/test-source-server.ts';
import { checkWebhookHost, validateWebhookUrl } from './webhook-url.ts';

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

describe('webhook host names, resolved', () => {
  const resolver = tableResolver({
    'public.example.test': ['93.184.216.34', '2606:2800:220:1::'],
    'v6-loopback.example.test': ['::1'],
    'metadata.example.test': ['169.254.169.254'],
  });
  const check = (url: string, allowPrivate = false) => checkWebhookHost(url, { allowPrivate, resolver });

  it('refuses a name with any inside address', async () => {
    for (const url of ['https://v6-loopback.example.test/h', 'https://metadata.example.test:8443/h']) {
      await expect(check(url), url).rejects.toMatchObject({ code: 'invalid_request' });
    }
  });

  it('takes public names, literals (judged without DNS), unresolved names and, when allowed, anything', async () => {
    await check('https://public.example.test/h');
    await check('https://nowhere.example.test/h');
    await check('https://v6-loopback.example.test/h', true);
    const before = resolver.calls.size;
    await check('https://93.184.216.34/h');
    await check('https://[2606:2800:220:1::]/h');
    expect(resolver.calls.size).toBe(before);
  });

  it('takes a name whose lookup does not finish in time', async () => {
    await checkWebhookHost('https://slow.example.test/h', {
      allowPrivate: false,
      resolver: () => new Promise(() => undefined),
      timeoutMs: 10,
    });
  });
});
