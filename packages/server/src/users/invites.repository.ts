import type { Db } from '../db/database.ts';
import type { InviteRow, UserRow } from '../db/schema.ts';

export interface InviteWithUser {
  invite: InviteRow;
  user: UserRow;
}

export class InvitesRepository {
  constructor(private readonly db: Db) {}

  async create(row: InviteRow): Promise<InviteRow> {
    await this.db.insertInto('invites').values(row).execute();
    return row;
  }

  async findByTokenHash(tokenHash: string): Promise<InviteWithUser | undefined> {
    const invite = await this.db
      .selectFrom('invites')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!invite) return undefined;
    const user = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', invite.user_id)
      .executeTakeFirst();
    return user && { invite, user };
  }

  /** Marks an invite used; false when it was used already (by a concurrent accept, say). */
  async markAccepted(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('invites')
      .set({ accepted_at: now })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** A new invite replaces the user's earlier ones. */
  async deleteUnacceptedOfUser(userId: string): Promise<void> {
    await this.db
      .deleteFrom('invites')
      .where('user_id', '=', userId)
      .where('accepted_at', 'is', null)
      .execute();
  }
}
