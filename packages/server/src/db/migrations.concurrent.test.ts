import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabaseConfig } from '../../test/databases.ts';
import type { DatabaseConfig } from '../config/config.ts';
import { migrationProvider } from './migrations/index.ts';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/migrate-at.ts', import.meta.url));

function migrateAt(config: DatabaseConfig, startAt: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      FIXTURE,
      JSON.stringify(config),
      String(startAt),
    ]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      resolve(out.trim());
    });
  });
}

describe.each(DIALECTS)('migrations on %s, from processes starting at the same moment', (dialect) => {
  it('run once: one process applies them, the others wait and find them applied', async () => {
    const config = await freshDatabaseConfig(dialect);
    // Far enough ahead for every process to have loaded its code.
    const startAt = Date.now() + 8_000;
    const outcomes = await Promise.all([1, 2, 3].map(() => migrateAt(config, startAt)));
    expect(outcomes.filter((o) => !o.startsWith('ok'))).toEqual([]);
    const applied = outcomes.map((o) => Number(o.split(' ')[1])).sort((a, b) => b - a);
    const all = Object.keys(await migrationProvider.getMigrations()).length;
    expect(applied).toEqual([all, 0, 0]);
  }, 60_000);
});
