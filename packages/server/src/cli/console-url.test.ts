import { describe, expect, it } from 'vitest';
import { consoleUrl } from './serve.ts';

describe('the console URL printed at first start', () => {
  const bound = { address: '0.0.0.0', family: 'IPv4', port: 8080 };

  it('names this machine when Kino listens on every address', () => {
    expect(consoleUrl({ publicUrl: undefined, host: '0.0.0.0' }, bound)).toBe('http://localhost:8080/');
    expect(consoleUrl({ publicUrl: undefined, host: '::' }, { ...bound, port: 9000 })).toBe(
      'http://localhost:9000/',
    );
  });

  it('names the address Kino is bound to, IPv6 in brackets', () => {
    expect(consoleUrl({ publicUrl: undefined, host: '127.0.0.1' }, bound)).toBe('http://127.0.0.1:8080/');
    expect(consoleUrl({ publicUrl: undefined, host: '::1' }, bound)).toBe('http://[::1]:8080/');
  });

  it('is KINO_PUBLIC_URL when set', () => {
    expect(consoleUrl({ publicUrl: 'https://video.example.com', host: '0.0.0.0' }, bound)).toBe(
      'https://video.example.com/',
    );
  });
});
