/**
 * True for PostgreSQL's "cannot execute … in a read-only transaction" (SQLSTATE 25006): the
 * database is a standby. Bookkeeping writes (when a key or session was last used) skip it so that
 * reads keep working there.
 */
export function isReadOnlyDatabaseError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '25006';
}
