import { describe, expect, it } from 'vitest';
import { isConsolePath } from './console-paths.ts';

describe('isConsolePath', () => {
  it('takes the console pages', () => {
    for (const path of [
      '/',
      '/login',
      '/library',
      '/media/med_1',
      '/settings/keys',
      '/operator/jobs',
      '/invite/abc',
    ]) {
      expect(isConsolePath(path), path).toBe(true);
    }
  });

  it('leaves server paths, in any case, and file names alone', () => {
    for (const path of [
      '/v1',
      '/v1/nope',
      '/play/med_1',
      '/PLAY/x',
      '/embed/med_1',
      '/docs',
      '/healthz',
      '/readyz',
    ]) {
      expect(isConsolePath(path), path).toBe(false);
    }
    for (const path of [
      '/metrics',
      '/player/kino-player.js',
      '/assets/index-abc.js',
      '/favicon.ico',
      '/robots.txt',
    ]) {
      expect(isConsolePath(path), path).toBe(false);
    }
  });

  it('does not mistake a longer word for a server prefix', () => {
    expect(isConsolePath('/players')).toBe(true);
    expect(isConsolePath('/v1x')).toBe(true);
  });
});
