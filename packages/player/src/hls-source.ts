import Hls, { type ErrorData, type Level } from 'hls.js';
import type { VideoRenditionList, VideoTrack } from 'media-tracks';
import { prefersNativeHls } from './player-view.ts';
import { attachLiveControls } from './live-controls.ts';
import { trackView } from './playback-beacons.ts';

/** How <kino-player> names itself in the views it reports. */
const PLAYER = { name: 'kino-player', version: '0.1.0' };

/** How long a stall after a refused segment lasts before the player gives up. */
const GIVE_UP_STALL_MS = 8000;

/** What media-tracks/polyfill (imported by index.ts) adds to every media element. */
interface WithRenditions {
  addVideoTrack(kind: string, label?: string, language?: string): VideoTrack;
  removeVideoTrack(track: VideoTrack): void;
  videoRenditions: VideoRenditionList;
}

export interface SourceHandlers {
  /** Playback cannot go on: the refusal's HTTP status when a request was refused, and what failed. */
  onFatal(httpStatus: number | null, details: string): void;
}

/**
 * Plays an HLS URL in a <video>: natively on Safari (and wherever MSE is missing), with hls.js
 * elsewhere. With hls.js, its levels become the element's video renditions (media-tracks), which
 * media-chrome's quality menu lists and selects. Returns the teardown.
 */
export function attachHls(video: HTMLVideoElement, src: string, handlers: SourceHandlers): () => void {
  const native = prefersNativeHls({
    canPlayNative: video.canPlayType('application/vnd.apple.mpegurl') !== '',
    mseSupported: Hls.isSupported(),
    userAgent: navigator.userAgent,
  });
  if (native || !Hls.isSupported()) return attachNative(video, src, handlers);

  // Every playback is a view reported to Kino (playback-beacons.ts); CMCD carries its id on /play.
  const view = trackView(video, { src, player: PLAYER });
  // A live playlist's duration is Infinity, so media-chrome treats it as live (DVR over `seekable`).
  const hls = new Hls({
    capLevelToPlayerSize: true,
    backBufferLength: 60,
    cmcd: view.cmcd,
    liveDurationInfinity: true,
  });
  view.attachHls(hls);
  const media = video as HTMLVideoElement & WithRenditions;
  const track = media.addVideoTrack('main');
  track.selected = true;
  const onRenditionChange = () => {
    const level = media.videoRenditions.selectedIndex;
    if (level !== hls.nextLevel) hls.nextLevel = level;
  };
  media.videoRenditions.addEventListener('change', onRenditionChange);

  hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
    data.levels.forEach((level: Level, index: number) => {
      const rendition = track.addRendition(
        level.url[0] ?? '',
        level.width,
        level.height,
        level.videoCodec ?? '',
        level.bitrate,
      );
      rendition.id = String(index);
    });
  });
  let detachLive: (() => void) | null = null;
  let targetDuration = 4;
  hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => {
    targetDuration = data.details.targetduration;
    if (data.details.live && !detachLive) detachLive = attachLiveControls(video, hls, () => targetDuration);
  });
  let recoveredMedia = false;
  const giveUp = (status: number | null, details: string, message: string) => {
    view.fatal(details, message);
    handlers.onFatal(status, details);
    hls.destroy();
  };
  // hls.js does not give up on a segment that answers 4xx: it plays what it has and waits. A
  // published segment that is refused will not come back, so a stall that follows one ends playback.
  let refusedSegment: number | null = null;
  let stall: ReturnType<typeof setTimeout> | null = null;
  const onWaiting = () => {
    if (stall !== null || video.seeking) return;
    stall = setTimeout(() => {
      stall = null;
      if (refusedSegment !== null && video.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) {
        giveUp(refusedSegment, Hls.ErrorDetails.FRAG_LOAD_ERROR, `HTTP ${refusedSegment}`);
      }
    }, GIVE_UP_STALL_MS);
  };
  const onProgress = () => {
    if (stall !== null) clearTimeout(stall);
    stall = null;
  };
  video.addEventListener('waiting', onWaiting);
  video.addEventListener('playing', onProgress);
  video.addEventListener('seeking', onProgress);
  hls.on(Hls.Events.ERROR, (_event, data: ErrorData) => {
    const status = data.response?.code;
    if (data.details === Hls.ErrorDetails.FRAG_LOAD_ERROR && status && status >= 400 && status < 500) {
      refusedSegment = status;
    }
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recoveredMedia) {
      // One decode hiccup is worth one recovery attempt (hls.js re-creates its buffers).
      recoveredMedia = true;
      hls.recoverMediaError();
      return;
    }
    giveUp(status ?? null, data.details, status ? `HTTP ${status}` : data.type);
  });
  hls.loadSource(src);
  hls.attachMedia(video);

  return () => {
    detachLive?.();
    onProgress();
    video.removeEventListener('waiting', onWaiting);
    video.removeEventListener('playing', onProgress);
    video.removeEventListener('seeking', onProgress);
    media.videoRenditions.removeEventListener('change', onRenditionChange);
    media.removeVideoTrack(track);
    view.stop();
    hls.destroy();
  };
}

function attachNative(video: HTMLVideoElement, src: string, handlers: SourceHandlers): () => void {
  const view = trackView(video, { src, player: PLAYER, fetchGrant: true });
  const onError = () => {
    // A native player does not say why a request was refused: ask the master playlist once.
    void fetch(src, { method: 'HEAD' }).then(
      (res) => {
        handlers.onFatal(res.ok ? null : res.status, video.error?.message || 'the video could not be played');
      },
      () => {
        handlers.onFatal(null, 'the video could not be loaded');
      },
    );
  };
  video.addEventListener('error', onError);
  video.src = src;
  return () => {
    video.removeEventListener('error', onError);
    view.stop();
    video.removeAttribute('src');
    video.load();
  };
}
