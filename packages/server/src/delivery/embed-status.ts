import type { MediaRow } from '../db/schema.ts';
import { ApiError } from '../http/problem.ts';
import { playbackUrls } from '../media/media.json.ts';
import type { MediaProgress } from '../jobs/job-progress.repository.ts';

/**
 * Where a media stands for a viewer of /embed/{id}: the same shape as the player's EmbedStatus
 * (packages/player/src/embed-status.ts), which reads it from /embed/{id}/status.
 */
export type EmbedState =
  'playable' | 'processing' | 'waiting' | 'errored' | 'private' | 'refused' | 'not_found';

export interface EmbedStatus {
  id: string;
  title: string;
  state: EmbedState;
  percent: number | null;
  message: string | null;
  playback: { hls: string; poster: string | null; storyboard: string | null } | null;
}

/** A status with the HTTP status code the page and the status route answer with. */
export interface EmbedAnswer {
  status: EmbedStatus;
  httpStatus: number;
}

const hidden = (id: string, state: EmbedState, message: string | null, httpStatus: number): EmbedAnswer => ({
  status: { id, title: '', state, percent: null, message, playback: null },
  httpStatus,
});

export const notFoundAnswer = (id: string) => hidden(id, 'not_found', null, 404);

/**
 * The answer for a viewer the gate refused (the ApiError that admit() threw). Nothing about the
 * media is told: not even its title.
 */
export function refusedAnswer(id: string, err: ApiError): EmbedAnswer {
  if (err.code === 'playback_token_required') return hidden(id, 'private', null, err.status);
  if (err.code === 'invalid_playback_token') {
    return hidden(id, 'private', 'This link has expired or is not valid.', err.status);
  }
  // The tenant's rules refused this page or address.
  return hidden(id, 'refused', err.message, err.status);
}

/**
 * What any viewer is told of a media that failed: one sentence per error code. The error's own
 * message (an import's DNS error, a tool's output) is for the tenant, in the API only.
 */
const ERRORED_MESSAGES: Record<string, string> = {
  import_failed: 'The import failed.',
  too_large: 'The file is too large.',
  unsupported_media: 'This file is not a video that can be played.',
  corrupt_media: 'The file is damaged.',
  processing_failed: 'Processing failed.',
};

export function erroredMessage(code: string | null): string {
  return (code !== null && ERRORED_MESSAGES[code]) || 'This video could not be processed.';
}

/** The answer for an admitted viewer, from the media row (and its progress while processing). */
export function admittedAnswer(
  row: MediaRow,
  opts: { baseUrl: string; token: string | null; progress: MediaProgress | null },
): EmbedAnswer {
  const base = { id: row.id, title: row.title, percent: null, message: null, playback: null };
  if (row.playable === 1 && row.playback_prefix !== null) {
    const urls = playbackUrls(row, opts.baseUrl, opts.token ?? undefined);
    return {
      status: {
        ...base,
        state: 'playable',
        playback: { hls: urls.hls, poster: urls.poster, storyboard: urls.storyboard },
      },
      httpStatus: 200,
    };
  }
  if (row.status === 'errored') {
    return {
      status: { ...base, state: 'errored', message: erroredMessage(row.error_code) },
      httpStatus: 200,
    };
  }
  if (row.status === 'waiting') return { status: { ...base, state: 'waiting' }, httpStatus: 200 };
  return {
    status: {
      ...base,
      state: 'processing',
      percent: opts.progress?.percent ?? null,
      message: opts.progress?.message ?? null,
    },
    httpStatus: 200,
  };
}
