import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct query texts kept prepared; the hot ones (claims, /play lookups) are a few dozen. */
const MAX_STATEMENTS = 500;

/**
 * A better-sqlite3 database for Kysely's SqliteDialect that reuses prepared statements by SQL
 * text. Kysely prepares every query anew, and preparing cost more than running the one-row
 * lookups of /play and the job queue. Kysely runs one query at a time on its connection, so a
 * cached statement is never in use twice; SQLite re-prepares a statement itself after a schema
 * change.
 */
export function cachingStatements(db: SqliteDatabase): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => {
      statements.clear();
      db.close();
    },
    prepare: (sql) => {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        // Texts that vary (IN lists of varying length) would grow the cache: drop the oldest.
        if (statements.size >= MAX_STATEMENTS) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
