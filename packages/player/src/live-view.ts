import type { MessageView } from './player-view.ts';

/** What `GET /embed/live/{id}/status` answers (live-embed.routes.ts on the server). */
export interface LiveEmbedStatus {
  id: string;
  title: string;
  state: 'live' | 'offline' | 'private' | 'refused' | 'not_found';
  message: string | null;
  playback: { hls: string } | null;
}

const message = (tone: MessageView['tone'], heading: string, detail: string | null): MessageView => ({
  kind: 'message',
  tone,
  heading,
  detail,
  percent: null,
});

/** The message shown while a live stream does not play here (offline, private, refused). */
export function liveMessageOf(status: LiveEmbedStatus): MessageView {
  switch (status.state) {
    case 'live':
    case 'offline':
      return message('info', 'Offline', 'The broadcast has not started. It will play here when it does.');
    case 'private':
      return message(
        'error',
        'This live stream is private',
        status.message ?? 'A valid link is needed to watch it.',
      );
    case 'refused':
      return message('error', 'This live stream cannot be played here', status.message);
    case 'not_found':
      return message('error', 'This live stream does not exist', null);
  }
}

/** States that change by themselves, so the player asks again. */
export const liveIsTransient = (state: LiveEmbedStatus['state']) => state === 'offline' || state === 'live';

/**
 * Whether the viewer is "behind live": further from the live edge (the end of the seekable range)
 * than hls.js holds a live player (three target durations) by more than one and a half target
 * durations (at least 3 s).
 */
export function behindLive(currentTime: number, liveEdge: number | null, targetDuration: number) {
  if (liveEdge === null || !Number.isFinite(liveEdge)) return false;
  return liveEdge - currentTime > LIVE_SYNC_SEGMENTS * targetDuration + Math.max(3, targetDuration * 1.5);
}

/** hls.js's default distance from the live edge, in target durations (liveSyncDurationCount). */
export const LIVE_SYNC_SEGMENTS = 3;
