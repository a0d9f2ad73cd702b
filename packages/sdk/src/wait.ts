import { KinoMediaError, KinoTimeoutError } from './errors.ts';

/** What to wait for: `playable` (a first rendition streams) or `ready` (every rendition is done). */
export type MediaMilestone = 'playable' | 'ready';

/** The fields of a media that waiting looks at. */
export interface MediaState {
  id: string;
  status: 'waiting' | 'processing' | 'ready' | 'errored';
  playable: boolean;
  error: { code: string; message: string } | null;
}

export interface WaitOptions {
  /** Give up after this long (default 10 minutes) with a KinoTimeoutError. */
  timeoutMs?: number;
  /** The first pause between polls (default 500 ms); each pause is 1.5 times the last… */
  initialDelayMs?: number;
  /** …up to this (default 5 s). */
  maxDelayMs?: number;
  /** Stops waiting (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Called with the media at every poll, e.g. to show its status. */
  onPoll?: (media: MediaState) => void;
}

/** True when `media` has reached `milestone`. A ready media is also playable. */
export function hasReached(media: MediaState, milestone: MediaMilestone): boolean {
  return milestone === 'ready' ? media.status === 'ready' : media.playable || media.status === 'ready';
}

/**
 * Polls `getMedia` with a growing pause until the media reaches `milestone`, and returns it.
 * Rejects with KinoMediaError when the media ends `errored`, and KinoTimeoutError after `timeoutMs`.
 *
 * @example
 * const media = await waitForMedia(() => kino.media.get(id), 'playable', { timeoutMs: 120_000 });
 * console.log(media.playback?.hls);
 */
export async function waitForMedia<M extends MediaState>(
  getMedia: () => Promise<M>,
  milestone: MediaMilestone,
  options: WaitOptions = {},
): Promise<M> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const maxDelayMs = options.maxDelayMs ?? 5000;
  const deadline = Date.now() + timeoutMs;
  let delay = options.initialDelayMs ?? 500;
  let last: M | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    last = await getMedia();
    options.onPoll?.(last);
    if (hasReached(last, milestone)) return last;
    if (last.status === 'errored') {
      throw new KinoMediaError(
        last.id,
        last.error?.code ?? 'processing_failed',
        last.error?.message ?? 'the media could not be processed',
      );
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new KinoTimeoutError(
        `media ${last.id} was not ${milestone} within ${timeoutMs} ms (status ${last.status})`,
        last.status,
      );
    }
    options.signal?.throwIfAborted();
    await sleep(Math.min(delay, left), options.signal);
    delay = Math.min(delay * 1.5, maxDelayMs);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
