import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LIFECYCLE = path.join(SRC, 'media', 'lifecycle');
const REPOSITORY = path.join(SRC, 'media', 'media.repository.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Ways a media's status can be written: the repository's status-writing calls, or SQL on the table. */
const WRITERS: [string, RegExp][] = [
  ['the repository call that writes a status', /\brepos\.media\.(transition|create)\s*\(/],
  ['the repository call that writes a status', /\bMediaRepository\([^)]*\)\s*\.(transition|create)\s*\(/],
  ['a media status written as a literal', /\bstatus\s*:\s*['"](waiting|processing|ready|errored)['"]/],
  ['SQL that writes the media table', /(updateTable|insertInto)\(\s*['"]media['"]\s*\)/],
];

describe('who writes a media status', () => {
  it('is only the lifecycle module (and the repository it calls)', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      if (file.startsWith(LIFECYCLE + path.sep) || file === REPOSITORY) continue;
      const text = readFileSync(file, 'utf8');
      for (const [what, pattern] of WRITERS) {
        if (pattern.test(text)) offenders.push(`${path.relative(SRC, file)}: ${what}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('finds a writer where there is one', () => {
    expect(WRITERS.some(([, p]) => p.test("await repos.media.transition(t, id, { status: 'ready' })"))).toBe(
      true,
    );
    expect(WRITERS.some(([, p]) => p.test("db.updateTable('media').set({ status })"))).toBe(true);
  });
});
