import { describe, expect, it } from 'vitest';
import { isConsoleNotFound, isConsolePath } from './console-paths.ts';

describe('isConsolePath', () => {
  it('takes the console pages', () => {
    for (const path of [
      '/',
      '/login',
      '/setup',
      '/library',
      '/upload',
      '/record',
      '/media/med_1',
      '/settings',
      '/settings/keys',
      '/operator/jobs',
      '/invite/abc',
    ]) {
      expect(isConsolePath(path), path).toBe(true);
    }
  });

  it('leaves server paths, files and anything else alone', () => {
    for (const path of [
      '/v1',
      '/v1/nope',
      '/play/med_1',
      '/PLAY/x',
      '/embed/med_1',
      '/docs',
      '/healthz',
      '/metrics',
      '/player/kino-player.js',
      '/assets/index-abc.js',
      '/favicon.ico',
      '/etc/passwd',
      '/media/med_1/../../etc',
      '/libraryx',
    ]) {
      expect(isConsolePath(path), path).toBe(false);
    }
  });
});

describe('isConsoleNotFound', () => {
  const html = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
  it("gives a browser's wrong console address the console's not-found page", () => {
    for (const path of ['/librry/x/y', '/Library', '/media/med_1/extra/more', '/nope.html']) {
      expect(isConsoleNotFound(path, html), path).toBe(true);
    }
  });
  it('keeps problem+json for programs and for server paths', () => {
    expect(isConsoleNotFound('/librry/x/y', '*/*')).toBe(false);
    expect(isConsoleNotFound('/librry/x/y', 'application/json')).toBe(false);
    expect(isConsoleNotFound('/librry/x/y', undefined)).toBe(false);
    for (const path of ['/v1/nope', '/play/x/y', '/embed/x/y', '/assets/nope.js', '/docs/x', '/healthz/x']) {
      expect(isConsoleNotFound(path, html), path).toBe(false);
    }
  });
});
