import type Hls from 'hls.js';
import { behindLive, LIVE_SYNC_SEGMENTS } from './live-view.ts';

/**
 * The live parts of the player, once hls.js says the playlist is live: a badge ("LIVE", or
 * "Behind live" after the viewer scrubbed back), a "Go live" button back to the live edge, and
 * the DVR window for media-chrome's seek bar (the video's `targetLiveWindow`, with hls.js's
 * `liveDurationInfinity` making the duration Infinity, so the bar spans the seekable range).
 * Returns the teardown.
 */
export function attachLiveControls(
  video: HTMLVideoElement,
  hls: Hls,
  targetDuration: () => number,
): () => void {
  const controller = video.closest('media-controller');
  const badge = controller?.querySelector<HTMLElement>('.kp-live-badge') ?? null;
  const goLive = controller?.querySelector<HTMLButtonElement>('.kp-go-live') ?? null;
  Object.defineProperty(video, 'targetLiveWindow', {
    configurable: true,
    get: () => Number.POSITIVE_INFINITY,
  });
  video.dispatchEvent(new Event('targetlivewindowchange'));
  controller?.classList.add('kp-live');
  if (badge) badge.hidden = false;

  const liveEdge = () => (video.seekable.length > 0 ? video.seekable.end(video.seekable.length - 1) : null);
  const update = () => {
    const behind = behindLive(video.currentTime, liveEdge(), targetDuration());
    if (badge) {
      badge.textContent = behind ? 'Behind live' : 'LIVE';
      badge.classList.toggle('kp-behind', behind);
    }
    if (goLive) goLive.hidden = !behind;
  };
  const onGoLive = () => {
    const end = liveEdge();
    const edge = hls.liveSyncPosition ?? (end === null ? null : end - LIVE_SYNC_SEGMENTS * targetDuration());
    if (edge !== null && Number.isFinite(edge)) video.currentTime = edge;
    void video.play().catch(() => undefined);
  };
  video.addEventListener('timeupdate', update);
  video.addEventListener('seeked', update);
  goLive?.addEventListener('click', onGoLive);
  update();
  return () => {
    video.removeEventListener('timeupdate', update);
    video.removeEventListener('seeked', update);
    goLive?.removeEventListener('click', onGoLive);
    controller?.classList.remove('kp-live');
    if (badge) badge.hidden = true;
    if (goLive) goLive.hidden = true;
  };
}
