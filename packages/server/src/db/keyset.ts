import { sql, type Expression, type SqlBool } from 'kysely';

/** A position in a list ordered by (createdAt, id): stable while rows are inserted. */
export interface Cursor {
  createdAt: number;
  id: string;
}

/**
 * Rows after a cursor in (created_at, id) descending order: the keyset condition every
 * newest-first list shares, stable while rows are inserted.
 */
export function olderThan(after: Cursor): Expression<SqlBool> {
  return sql<SqlBool>`(created_at < ${after.createdAt} or (created_at = ${after.createdAt} and id < ${after.id}))`;
}
