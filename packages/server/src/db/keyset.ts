import { sql, type Expression, type SqlBool } from 'kysely';

/** A position in a list ordered by (createdAt, id): stable while rows are inserted. */
export interface Cursor {
  createdAt: number;
  id: string;
}

/**
 * Rows after a cursor in (created_at, id) descending order: the keyset condition every
 * newest-first list shares, stable while rows are inserted. Written as a row-value comparison so
 * that both databases seek to the cursor in a (..., created_at, id) index: PostgreSQL used the
 * equivalent `created_at < x or (created_at = x and id < y)` only as a filter, reading every newer
 * row of the tenant first (a page 95,000 media deep took 52 ms instead of 0.07 ms).
 */
export function olderThan(after: Cursor): Expression<SqlBool> {
  return sql<SqlBool>`(created_at, id) < (${after.createdAt}, ${after.id})`;
}
