import type { CaptionTrackRow } from '../db/schema.ts';
import { toIso } from '../http/common-schemas.ts';
import type { CaptionTrackJson } from './captions.schemas.ts';

/** A track as webhook events carry it: no URLs, which depend on the public address. */
export function trackEventData(row: CaptionTrackRow): Omit<CaptionTrackJson, 'url'> {
  return {
    id: row.id,
    mediaId: row.media_id,
    language: row.language,
    label: row.label,
    kind: row.kind,
    default: row.is_default === 1,
    source: row.source,
    status: row.status,
    engine: row.engine,
    model: row.model,
    cueCount: row.cue_count,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

/** The API's view of a track; `url` downloads its normalised WebVTT with an API key. */
export function toTrackJson(row: CaptionTrackRow, baseUrl: string): CaptionTrackJson {
  return { ...trackEventData(row), url: `${baseUrl}/v1/media/${row.media_id}/captions/${row.id}.vtt` };
}
