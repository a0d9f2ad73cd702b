import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { storageLayout } from './storage-layout.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

describe('storage layout', () => {
  it('builds every kind of key under its media and tenant', () => {
    expect(storageLayout.tenantPrefix('ten_a')).toBe('media/ten_a/');
    expect(storageLayout.mediaPrefix('ten_a', 'med_b')).toBe('media/ten_a/med_b/');
    expect(storageLayout.attemptPrefix('ten_a', 'med_b', 'job_c', 2)).toBe('media/ten_a/med_b/job_c-2/');
    expect(storageLayout.versionPrefix('ten_a', 'med_b', 'job_c-2')).toBe('media/ten_a/med_b/job_c-2/');
    expect(storageLayout.attemptPrefix('ten_a', 'med_b', 'job_c', 2)).toMatch(
      new RegExp(`^${storageLayout.jobVersionsStart('ten_a', 'med_b', 'job_c')}`),
    );
    expect(storageLayout.captionKey('ten_a', 'med_b', 'cap_d', 3, 'xyz')).toBe(
      'media/ten_a/med_b/captions/cap_d-r3-xyz.vtt',
    );
    expect(storageLayout.uploadKeys('upl_e')).toEqual(['upl_e', 'upl_e.json', 'upl_e.info', 'upl_e.part']);
    expect(storageLayout.originalKeys('upl_e')).toEqual(['upl_e', 'upl_e.json', 'upl_e.info']);
  });

  it('refuses a segment that would leave its prefix', () => {
    expect(() => storageLayout.mediaPrefix('ten_a', '../ten_b')).toThrow();
    expect(() => storageLayout.versionPrefix('ten_a', 'med_b', '')).toThrow();
  });

  it('is the only place that spells a media key', () => {
    const spelled = /[`'"]media\/(\$\{|[`'"])|joinKey\(\s*['"]media['"]/;
    const offenders = sourceFiles(SRC)
      .filter((file) => !file.endsWith(path.join('storage', 'storage-layout.ts')))
      // Code only: a comment may show a key as an example.
      .filter((file) => spelled.test(withoutComments(readFileSync(file, 'utf8'))))
      .map((file) => path.relative(SRC, file));
    expect(offenders).toEqual([]);
  });
});
