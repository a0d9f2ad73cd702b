import type { Db } from '../db/database.ts';
import { playbackRulesSchema, type PlaybackRules } from './playback-rules.ts';

/** Each tenant's playback rules, one JSON document per tenant. */
export class PlaybackRulesRepository {
  constructor(private readonly db: Db) {}

  /** The tenant's rules, or undefined when it never set any. */
  async get(tenantId: string): Promise<{ rules: PlaybackRules; updatedAt: number } | undefined> {
    const row = await this.db
      .selectFrom('tenant_playback_rules')
      .select(['rules', 'updated_at'])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (!row) return undefined;
    return { rules: playbackRulesSchema.parse(JSON.parse(row.rules)), updatedAt: row.updated_at };
  }

  async put(tenantId: string, rules: PlaybackRules, now: number): Promise<void> {
    const json = JSON.stringify(rules);
    await this.db
      .insertInto('tenant_playback_rules')
      .values({ tenant_id: tenantId, rules: json, updated_at: now })
      .onConflict((c) => c.column('tenant_id').doUpdateSet({ rules: json, updated_at: now }))
      .execute();
  }
}
