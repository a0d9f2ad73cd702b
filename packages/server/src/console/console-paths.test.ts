import { describe, expect, it } from 'vitest';
import { isConsolePath } from './console-paths.ts';

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
