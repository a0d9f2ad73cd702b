import { describe, expect, it } from 'vitest';
import { BackupLocationError, parseBackupLocation } from './backup-location.ts';

describe('parseBackupLocation', () => {
  it('reads a folder and a bucket with a prefix', () => {
    expect(parseBackupLocation('file:///srv/backups')).toMatchObject({
      storage: { kind: 'file', dir: '/srv/backups' },
      prefix: '',
    });
    expect(
      parseBackupLocation(
        's3://bk/kino/prod?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu&forcePathStyle=true',
      ),
    ).toMatchObject({
      storage: {
        kind: 's3',
        bucket: 'bk',
        endpoint: 'http://127.0.0.1:9000',
        region: 'eu',
        forcePathStyle: true,
      },
      prefix: 'kino/prod/',
    });
    expect(parseBackupLocation('s3://bk').prefix).toBe('');
  });

  it('refuses other schemes, the root folder and bad prefixes', () => {
    expect(() => parseBackupLocation('http://x/y')).toThrow(BackupLocationError);
    expect(() => parseBackupLocation('file:///')).toThrow(/other than/);
    expect(() => parseBackupLocation('s3://bk/a//b')).toThrow(/prefix/);
    expect(() => parseBackupLocation('not a url')).toThrow(/not a URL/);
  });
});
