import type { Migration, MigrationProvider } from 'kysely';
import * as foundation from './0001-foundation.ts';

// Listed in code (not read from a folder) so the built server and the tests run the same set.
const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
