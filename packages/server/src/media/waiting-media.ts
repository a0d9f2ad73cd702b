import type { NewMediaRow } from '../db/schema.ts';
import type { NewMedia } from './lifecycle/media-lifecycle.ts';

/** A new media row waiting for its source bytes (an upload, or an upload URL not used yet). */
export function waitingMediaRow(m: {
  id: string;
  tenantId: string;
  title: string;
  visibility: NewMediaRow['visibility'];
  now: number;
}): NewMedia {
  return {
    id: m.id,
    tenant_id: m.tenantId,
    title: m.title,
    description: '',
    tags: '[]',
    visibility: m.visibility,
    duration_seconds: null,
    width: null,
    height: null,
    error_code: null,
    error_message: null,
    created_at: m.now,
    updated_at: m.now,
  };
}
