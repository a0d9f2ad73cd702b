import type { Db } from '../db/database.ts';
import type { IdempotencyKeysTable } from '../db/schema.ts';

export type IdempotencyRecord = IdempotencyKeysTable;

/** First answers to POSTs sent with an Idempotency-Key. */
export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  /**
   * Claims a key for a request: true when this call inserted it (the request goes ahead), false
   * when the key was already there. The primary key makes exactly one of racing callers win.
   */
  async claim(
    row: Omit<IdempotencyRecord, 'status_code' | 'content_type' | 'response_body'>,
  ): Promise<boolean> {
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ ...row, status_code: null, content_type: null, response_body: null })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  get(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    return this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  async saveAnswer(
    scope: string,
    key: string,
    answer: { status: number; contentType: string | null; body: string },
  ): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ status_code: answer.status, content_type: answer.contentType, response_body: answer.body })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
  }

  /** Lets a key go (its request failed on the server's side, so a retry may run it again). */
  async release(scope: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('status_code', 'is', null)
      .execute();
  }

  /** Deletes one key if it was created before `before` (expired), so it can be claimed again. */
  async deleteIfOlder(scope: string, key: string, before: number): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('created_at', '<', before)
      .execute();
  }

  async pruneBefore(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('created_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
