import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

// Times are integer milliseconds since the epoch on both dialects: one comparison rule everywhere.

export interface TenantsTable {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
}

export type ApiKeyScope = 'full' | 'read' | 'upload';

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  scope: ApiKeyScope;
  /** sha256 of the secret part; the secret itself is never stored. */
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export type MediaStatus = 'waiting' | 'processing' | 'ready' | 'errored';
export type Visibility = 'public' | 'private';

export interface MediaTable {
  id: string;
  tenant_id: string;
  title: string;
  description: string;
  /** JSON array of strings. */
  tags: string;
  visibility: Visibility;
  status: MediaStatus;
  playable: Generated<number>;
  duration_seconds: number | null;
  width: number | null;
  height: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  updated_at: number;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  media: MediaTable;
}

export type TenantRow = Selectable<TenantsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type MediaRow = Selectable<MediaTable>;
export type NewMediaRow = Insertable<MediaTable>;
export type MediaRowUpdate = Updateable<MediaTable>;
