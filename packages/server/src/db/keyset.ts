import { sql, type Expression, type SqlBool } from 'kysely';
import type { Cursor } from '../lib/cursor.ts';

/**
 * Rows after a cursor in (created_at, id) descending order: the keyset condition every
 * newest-first list shares, stable while rows are inserted.
 */
export function olderThan(after: Cursor): Expression<SqlBool> {
  return sql<SqlBool>`(created_at < ${after.createdAt} or (created_at = ${after.createdAt} and id < ${after.id}))`;
}
