/**
 * What `GET /embed/{id}/status` answers: where a media stands for a viewer, decided by the same
 * gate as the embed page (tenant rules, then the token for private media).
 */
export type EmbedState =
  'playable' | 'processing' | 'waiting' | 'errored' | 'private' | 'refused' | 'not_found';

export interface EmbedPlayback {
  hls: string;
  poster: string | null;
  storyboard: string | null;
}

export interface EmbedStatus {
  id: string;
  title: string;
  state: EmbedState;
  /** Processing progress (0–100) while `processing`, when the worker has reported one. */
  percent: number | null;
  /** A human sentence: the processing step, the error, or why playback is refused. */
  message: string | null;
  /** Present when `playable`: URLs that carry the viewer's token, if any. */
  playback: EmbedPlayback | null;
}

/** States that change by themselves, so the player asks again. */
export const isTransient = (state: EmbedState) => state === 'processing' || state === 'waiting';
