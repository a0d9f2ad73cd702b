import Hls, { type ErrorData, type Level } from 'hls.js';
import type { VideoRenditionList, VideoTrack } from 'media-tracks';
import { prefersNativeHls } from './player-view.ts';

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

  const hls = new Hls({ capLevelToPlayerSize: true, backBufferLength: 60 });
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
  let recoveredMedia = false;
  hls.on(Hls.Events.ERROR, (_event, data: ErrorData) => {
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recoveredMedia) {
      // One decode hiccup is worth one recovery attempt (hls.js re-creates its buffers).
      recoveredMedia = true;
      hls.recoverMediaError();
      return;
    }
    handlers.onFatal(data.response?.code ?? null, data.details);
    hls.destroy();
  });
  hls.loadSource(src);
  hls.attachMedia(video);

  return () => {
    media.videoRenditions.removeEventListener('change', onRenditionChange);
    media.removeVideoTrack(track);
    hls.destroy();
  };
}

function attachNative(video: HTMLVideoElement, src: string, handlers: SourceHandlers): () => void {
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
    video.removeAttribute('src');
    video.load();
  };
}
