import type { EmbedPlayback, EmbedStatus } from './embed-status.ts';

/** What the element shows: the player itself, or a message in its place. */
export type PlayerView = { kind: 'player'; playback: EmbedPlayback } | MessageView;

export interface MessageView {
  kind: 'message';
  tone: 'info' | 'busy' | 'error';
  heading: string;
  detail: string | null;
  /** A progress bar's value (0–100) while processing. */
  percent: number | null;
}

const message = (
  tone: 'info' | 'busy' | 'error',
  heading: string,
  detail: string | null = null,
  percent: number | null = null,
): MessageView => ({ kind: 'message', tone, heading, detail, percent });

/** Turns a status answer into what to show. Pure: the element only renders the result. */
export function viewOf(status: EmbedStatus): PlayerView {
  switch (status.state) {
    case 'playable':
      return status.playback
        ? { kind: 'player', playback: status.playback }
        : message('error', 'This video cannot be played', 'Its playback address is missing.');
    case 'processing': {
      const percent = status.percent === null ? null : Math.max(0, Math.min(100, Math.floor(status.percent)));
      return message(
        'busy',
        percent === null ? 'Processing…' : `Processing… ${percent}%`,
        status.message,
        percent,
      );
    }
    case 'waiting':
      return message('busy', 'Waiting for the upload…', 'The video will play here once it has arrived.');
    case 'errored':
      return message('error', 'This video could not be processed', status.message);
    case 'private':
      return message(
        'info',
        'This video is private',
        status.message ?? 'Ask its owner for a link that opens it.',
      );
    case 'refused':
      return message('info', 'This video cannot be played here', status.message);
    case 'not_found':
      return message('info', 'This video does not exist', 'It may have been deleted.');
  }
}

/** What a failed playback request says to a viewer, from the HTTP status of the refusal. */
export function playbackFailureView(httpStatus: number | null, details: string): MessageView {
  if (httpStatus === 401)
    return message('info', 'This video is private', 'Ask its owner for a link that opens it.');
  if (httpStatus === 403) {
    return message(
      'info',
      'This video cannot be played here',
      'The link may have expired or is not valid here.',
    );
  }
  if (httpStatus === 404) return message('info', 'This video does not exist', 'It may have been deleted.');
  return message('error', 'Playback failed', details);
}

/** Apple's WebKit: Safari, and every browser on iOS (Chrome there is CriOS, without "Chrome/"). */
const isAppleWebKit = (userAgent: string) =>
  /AppleWebKit\//.test(userAgent) && !/(Chrome|Chromium|Android|Edg)\//.test(userAgent);

/** Safari (and every iOS browser) plays HLS natively; elsewhere hls.js over MSE does. */
export function prefersNativeHls(env: { canPlayNative: boolean; mseSupported: boolean; userAgent: string }) {
  if (!env.canPlayNative) return false;
  return !env.mseSupported || isAppleWebKit(env.userAgent);
}
