import type { MediaRow } from '../db/schema.ts';
import { toIso } from '../http/common-schemas.ts';
import type { RenditionSummary } from './playback-index.ts';
import type { MediaJson } from './media.schemas.ts';

/** The columns the API's view of a media reads: lists and lookups for the API select only these. */
export const MEDIA_JSON_COLUMNS = [
  'id',
  'title',
  'description',
  'tags',
  'visibility',
  'status',
  'playable',
  'playback_prefix',
  'live_stream_id',
  'live_status',
  'duration_seconds',
  'width',
  'height',
  'renditions',
  'normalize_loudness',
  'error_code',
  'error_message',
  'recovered',
  'source_key',
  'original_tier',
  'original_tier_at',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof MediaRow)[];

export type MediaJsonRow = Pick<MediaRow, (typeof MEDIA_JSON_COLUMNS)[number]>;

/**
 * Playback URLs of a media. They name the media, not a version, so they stay valid across
 * reprocessing; with a token they carry it in the path, where every relative child URL keeps it.
 */
export function playbackUrls(
  row: Pick<MediaRow, 'id' | 'status' | 'width'>,
  baseUrl: string,
  token?: string,
) {
  const play = token ? `${baseUrl}/play/t/${token}/${row.id}` : `${baseUrl}/play/${row.id}`;
  const ready = row.status === 'ready';
  return {
    hls: `${play}/master.m3u8`,
    dash: `${play}/manifest.mpd`,
    mp4: ready ? `${play}/download.mp4` : null,
    // Video has a poster frame; sound alone its cover art or a picture of its waveform.
    poster: ready ? `${play}/poster.jpg` : null,
    storyboard: ready && row.width !== null ? `${play}/storyboard.vtt` : null,
    embed: `${baseUrl}/embed/${row.id}${token ? `?token=${token}` : ''}`,
  };
}

/** The API's view of a media row. */
export function toMediaJson(row: MediaJsonRow, baseUrl: string): MediaJson {
  const renditions = row.renditions ? (JSON.parse(row.renditions) as RenditionSummary[]) : [];
  // A broadcast's media plays from its live segments before it has a version of its own.
  const playable = row.playable === 1 && (row.playback_prefix !== null || row.live_stream_id !== null);
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    tags: JSON.parse(row.tags) as string[],
    visibility: row.visibility,
    status: row.status,
    playable,
    durationSeconds: row.duration_seconds,
    width: row.width,
    height: row.height,
    renditions,
    loudnessLufs: renditions.find((r) => r.kind === 'audio' && r.loudnessLufs != null)?.loudnessLufs ?? null,
    normalizeLoudness: row.normalize_loudness === 1,
    playback: playable ? playbackUrls(row, baseUrl) : null,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    recovered: row.recovered === 1,
    liveStreamId: row.live_stream_id,
    live: row.live_status ? { status: row.live_status } : null,
    original: row.source_key
      ? { tier: row.original_tier, since: toIso(row.original_tier_at ?? row.created_at) }
      : null,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}
