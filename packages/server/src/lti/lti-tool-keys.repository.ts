import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { LtiToolKeysTable } from '../db/schema.ts';

export type LtiToolKeyRow = Selectable<LtiToolKeysTable>;

/** Kino's own LTI signing keys. */
export class LtiToolKeysRepository {
  constructor(private readonly db: Db) {}

  async add(row: LtiToolKeyRow): Promise<void> {
    await this.db.insertInto('lti_tool_keys').values(row).execute();
  }

  /** The newest key not retired: the one Kino signs with. */
  current(): Promise<LtiToolKeyRow | undefined> {
    return this.db
      .selectFrom('lti_tool_keys')
      .selectAll()
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Keys to publish: the live ones, and those retired after `retiredSince` (messages they signed may still be checked). */
  published(retiredSince: number): Promise<LtiToolKeyRow[]> {
    return this.db
      .selectFrom('lti_tool_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredSince)]))
      .orderBy('created_at', 'desc')
      .execute();
  }

  /** Retires every live key but `keepId`. */
  async retireAllBut(keepId: string, now: number): Promise<void> {
    await this.db
      .updateTable('lti_tool_keys')
      .set({ retired_at: now })
      .where('retired_at', 'is', null)
      .where('id', '!=', keepId)
      .execute();
  }
}
