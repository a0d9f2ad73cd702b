import { createHash } from 'node:crypto';
import { sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/**
 * Start a query's text with this comment to run it as a named prepared statement on PostgreSQL.
 * Meant for hot queries with a constant text and a costly plan (the job claim plans in ~3 ms and
 * executes in ~1 ms): each connection parses it once, and after a few runs PostgreSQL reuses a
 * generic plan. Texts that vary (IN lists of varying length) must not carry it: every distinct
 * text stays prepared for the connection's life.
 */
export const PREPARED = '/* prepared */ ';

/**
 * The same mark for a query built with Kysely: `.modifyFront(PREPARED_SELECT)` makes its text
 * `select /* prepared *\/ ...`. Only for builders whose text is constant (no IN list of varying
 * length).
 */
export const PREPARED_SELECT = sql.raw(PREPARED.trim());

const isPrepared = (text: string) => text.startsWith(PREPARED) || text.startsWith(`select ${PREPARED}`);

const statementName = (text: string) => `k_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;

/**
 * A pool for Kysely's PostgresDialect that runs texts marked with PREPARED (or PREPARED_SELECT) as named statements
 * (node-postgres prepares a name once per connection) and everything else unchanged.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let wrapper = wrapped.get(client);
    if (!wrapper) {
      wrapper = {
        // One function serves both of Kysely's overloads (a text with values, or a cursor).
        query: ((textOrCursor: unknown, values?: readonly unknown[]) =>
          typeof textOrCursor === 'string' && isPrepared(textOrCursor)
            ? client.query({
                name: statementName(textOrCursor),
                text: textOrCursor,
                values: values as unknown[],
              })
            : client.query(
                textOrCursor as string,
                values as unknown[],
              )) as unknown as PostgresPoolClient['query'],
        release: () => {
          client.release();
        },
      };
      wrapped.set(client, wrapper);
    }
    return wrapper;
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
