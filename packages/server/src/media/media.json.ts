import type { MediaRow } from '../db/schema.ts';
import { toIso } from '../http/common-schemas.ts';
import type { MediaJson } from './media.schemas.ts';

/** The API's view of a media row. */
export function toMediaJson(row: MediaRow): MediaJson {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    tags: JSON.parse(row.tags) as string[],
    visibility: row.visibility,
    status: row.status,
    playable: row.playable === 1,
    durationSeconds: row.duration_seconds,
    width: row.width,
    height: row.height,
    renditions: [],
    playback: null,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}
