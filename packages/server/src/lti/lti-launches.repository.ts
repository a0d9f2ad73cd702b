import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { LtiDeepLinksTable, LtiLaunchesTable, LtiLoginStatesTable } from '../db/schema.ts';

export type LtiLoginStateRow = Selectable<LtiLoginStatesTable>;
export type LtiLaunchRow = Selectable<LtiLaunchesTable>;
export type LtiDeepLinkRow = Selectable<LtiDeepLinksTable>;

/** What LTI launches keep between requests: login states, launches, open Deep Linking pickers. */
export class LtiLaunchesRepository {
  constructor(private readonly db: Db) {}

  async addLoginState(row: LtiLoginStateRow): Promise<void> {
    await this.db.insertInto('lti_login_states').values(row).execute();
  }

  getLoginState(state: string): Promise<LtiLoginStateRow | undefined> {
    return this.db.selectFrom('lti_login_states').selectAll().where('state', '=', state).executeTakeFirst();
  }

  /** Marks a state used; false when it already was (a replay), so only one launch ever uses it. */
  async useLoginState(state: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('lti_login_states')
      .set({ used_at: now })
      .where('state', '=', state)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Forgets states that can no longer launch (kept a day past expiry, so a late replay still reads as one). */
  async pruneLoginStates(before: number): Promise<void> {
    await this.db.deleteFrom('lti_login_states').where('expires_at', '<', before).execute();
  }

  async recordLaunch(row: LtiLaunchRow): Promise<void> {
    await this.db.insertInto('lti_launches').values(row).execute();
  }

  /** A tenant's launches, newest first, optionally of one course (context id). */
  listLaunches(tenantId: string, opts: { contextId?: string; limit: number }): Promise<LtiLaunchRow[]> {
    let query = this.db.selectFrom('lti_launches').selectAll().where('tenant_id', '=', tenantId);
    if (opts.contextId !== undefined) query = query.where('context_id', '=', opts.contextId);
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  }

  async addDeepLink(row: LtiDeepLinkRow): Promise<void> {
    await this.db.insertInto('lti_deep_links').values(row).execute();
  }

  getDeepLink(id: string): Promise<LtiDeepLinkRow | undefined> {
    return this.db.selectFrom('lti_deep_links').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Marks a picker answered; false when it already was. */
  async useDeepLink(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('lti_deep_links')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
