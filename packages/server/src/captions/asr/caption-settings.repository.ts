import type { Db } from '../../db/database.ts';
import type { AutoCaptions } from '../../db/schema.ts';

export interface CaptionSettings {
  autoCaptions: AutoCaptions;
  /** The language a tenant's media are spoken in unless a media says otherwise. */
  language: string;
  updatedAt: number | null;
}

export const DEFAULT_CAPTION_SETTINGS: CaptionSettings = {
  autoCaptions: 'off',
  language: 'en',
  updatedAt: null,
};

/** Each tenant's automatic captions setting and default spoken language. */
export class CaptionSettingsRepository {
  constructor(private readonly db: Db) {}

  async get(tenantId: string): Promise<CaptionSettings> {
    const row = await this.db
      .selectFrom('tenant_caption_settings')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (!row) return DEFAULT_CAPTION_SETTINGS;
    return { autoCaptions: row.auto_captions, language: row.language, updatedAt: row.updated_at };
  }

  async put(tenantId: string, settings: Omit<CaptionSettings, 'updatedAt'>, now: number): Promise<void> {
    const values = { auto_captions: settings.autoCaptions, language: settings.language, updated_at: now };
    await this.db
      .insertInto('tenant_caption_settings')
      .values({ tenant_id: tenantId, ...values })
      .onConflict((c) => c.column('tenant_id').doUpdateSet(values))
      .execute();
  }
}
