import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUrl } from './config.ts';

describe('loadConfig', () => {
  it('uses the embedded defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.database).toEqual({ kind: 'sqlite', file: path.resolve('data/kino.sqlite') });
    expect(c.storage).toEqual({ kind: 'file', dir: path.resolve('data/storage') });
    expect([...c.roles]).toEqual(['api', 'worker', 'live']);
    expect(c.live).toEqual({ rtmpPort: 1935, srtPort: 8890, publicHost: undefined });
    expect(c.importAllowPrivate).toBe(false);
    expect(c.metricsToken).toBeUndefined();
  });

  it('reads the account media tools run as under root; empty keeps root', () => {
    expect(loadConfig({}).mediaUser).toBe('kino-media');
    expect(loadConfig({ KINO_MEDIA_USER: 'ffmpeg-runner' }).mediaUser).toBe('ffmpeg-runner');
    expect(loadConfig({ KINO_MEDIA_USER: '' }).mediaUser).toBeNull();
  });

  it('reads the cold storage settings: off by default, a folder under the data folder, any S3 class name', () => {
    expect(loadConfig({}).cold).toEqual({
      afterDays: 0,
      dir: path.resolve('data/cold'),
      storageClass: 'STANDARD_IA',
      restoreDays: 7,
      restoreTier: 'Standard',
    });
    const c = loadConfig({
      KINO_DATA_DIR: '/srv/kino',
      KINO_COLD_AFTER_DAYS: '90',
      KINO_COLD_DIR: '/mnt/slow/kino',
      KINO_COLD_STORAGE_CLASS: 'GLACIER',
      KINO_COLD_RESTORE_DAYS: '3',
      KINO_COLD_RESTORE_TIER: 'Bulk',
    }).cold;
    expect(c).toEqual({
      afterDays: 90,
      dir: '/mnt/slow/kino',
      storageClass: 'GLACIER',
      restoreDays: 3,
      restoreTier: 'Bulk',
    });
    expect(loadConfig({ KINO_DATA_DIR: '/srv/kino' }).cold.dir).toBe('/srv/kino/cold');
    expect(() => loadConfig({ KINO_COLD_AFTER_DAYS: '-1' })).toThrow(/KINO_COLD_AFTER_DAYS/);
    expect(() => loadConfig({ KINO_COLD_STORAGE_CLASS: 'glacier; rm' })).toThrow(/KINO_COLD_STORAGE_CLASS/);
    expect(() => loadConfig({ KINO_COLD_RESTORE_TIER: 'Fast' })).toThrow(/KINO_COLD_RESTORE_TIER/);
    // A cold folder in the storage folder, or holding it, would list objects twice.
    expect(() => loadConfig({ KINO_DATA_DIR: '/srv/kino', KINO_COLD_DIR: '/srv/kino/storage/cold' })).toThrow(
      /KINO_COLD_DIR/,
    );
    expect(() => loadConfig({ KINO_DATA_DIR: '/srv/kino', KINO_COLD_DIR: '/srv' })).toThrow(/KINO_COLD_DIR/);
    expect(
      loadConfig({ KINO_STORAGE_URL: 's3://bucket', KINO_DATA_DIR: '/srv/kino', KINO_COLD_DIR: '/srv' }).cold
        .dir,
    ).toBe('/srv');
  });

  it('reads the token /metrics asks for', () => {
    expect(loadConfig({ KINO_METRICS_TOKEN: 'prometheus-scrape-token' }).metricsToken).toBe(
      'prometheus-scrape-token',
    );
  });

  it('reads PostgreSQL and S3 URLs', () => {
    const c = loadConfig({
      KINO_DATABASE_URL: 'postgres://kino:pw@db.local:5432/kino',
      KINO_STORAGE_URL: 's3://media?endpoint=http://127.0.0.1:9000&region=eu-west-1&forcePathStyle=true',
      KINO_ROLES: 'worker',
      KINO_PUBLIC_URL: 'https://video.example.com/',
    });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://kino:pw@db.local:5432/kino' });
    expect(c.storage).toEqual({
      kind: 's3',
      bucket: 'media',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    expect([...c.roles]).toEqual(['worker']);
    expect(c.publicUrl).toBe('https://video.example.com');
  });

  it.each([
    [{ KINO_DATABASE_URL: 'not a url' }, /^KINO_DATABASE_URL: 'not a url' is not a URL$/],
    [{ KINO_DATABASE_URL: 'mysql://x/y' }, /^KINO_DATABASE_URL: unsupported scheme 'mysql:'/],
    [{ KINO_PORT: 'eighty' }, /^KINO_PORT: /],
    [{ KINO_PORT: '70000' }, /^KINO_PORT: /],
    [{ KINO_ROLES: 'api,transcoder' }, /^KINO_ROLES: unknown role 'transcoder'/],
    [{ KINO_RTMP_PORT: '70000' }, /^KINO_RTMP_PORT/],
    [{ KINO_LIVE_PUBLIC_HOST: 'rtmp://example.com:1935' }, /^KINO_LIVE_PUBLIC_HOST/],
    [{ KINO_STORAGE_URL: 'ftp://host/x' }, /^KINO_STORAGE_URL: unsupported scheme/],
    [{ KINO_ADMIN_KEY: 'short' }, /^KINO_ADMIN_KEY: must be at least 24 characters$/],
    [{ KINO_PUBLIC_URL: 'javascript:alert(1)' }, /^KINO_PUBLIC_URL: /],
    [{ KINO_METRICS_TOKEN: 'short' }, /^KINO_METRICS_TOKEN: must be at least 16 characters$/],
    [{ KINO_METRICS_TOKEN: 'sixteen chars ok' }, /^KINO_METRICS_TOKEN: /],
    [{ KINO_MEDIA_USER: 'kino media' }, /^KINO_MEDIA_USER: use an account name/],
  ])('refuses %o with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never prints a database password', () => {
    expect(redactUrl('postgres://kino:secret@db/kino')).toBe('postgres://kino:***@db/kino');
    expect(() => loadConfig({ KINO_DATABASE_URL: 'postgres//kino:secret@db' })).not.toThrow(/secret/);
  });
});
