import { joinKey } from './keys.ts';

/**
 * Every storage key Kino writes, built in one place:
 *
 * ```
 * upl_…                                   an original (tus upload, form upload, import), by its upload id
 * upl_….json | .info | .part              the tus stores' metadata and S3 part files beside it
 * media/<tenant>/                         everything a tenant's media produced
 * media/<tenant>/<media>/                 everything one media produced
 * media/<tenant>/<media>/<job>-<attempt>/ one processing attempt's version (what /play serves once published)
 * media/<tenant>/<media>/captions/…       caption revisions (they belong to the media, not to a version)
 * media/<tenant>/<media>/live/p<n>/<track>/ a broadcast's segments, per publisher session (period)
 * ```
 *
 * Removing a media or a tenant removes its prefix and its originals' keys; nothing else is stored.
 */
export const storageLayout = {
  /** The files a tus store may leave for an upload: its bytes and its metadata and part files. */
  uploadKeys: (uploadId: string) => [uploadId, `${uploadId}.json`, `${uploadId}.info`, `${uploadId}.part`],
  /** The files a finished original may leave: its bytes and the tus stores' metadata files. */
  originalKeys: (key: string) => [key, `${key}.json`, `${key}.info`],
  tenantPrefix: (tenantId: string) => joinKey('media', tenantId) + '/',
  mediaPrefix: (tenantId: string, mediaId: string) => joinKey('media', tenantId, mediaId) + '/',
  /** A published or unpublished version, by its name (`<job>-<attempt>`). */
  versionPrefix: (tenantId: string, mediaId: string, version: string) =>
    joinKey('media', tenantId, mediaId, version) + '/',
  /** The version one attempt of a processing job writes. */
  attemptPrefix: (tenantId: string, mediaId: string, jobId: string, attempt: number) =>
    joinKey('media', tenantId, mediaId, `${jobId}-${attempt}`) + '/',
  /** What every version written by one job starts with. */
  jobVersionsStart: (tenantId: string, mediaId: string, jobId: string) =>
    joinKey('media', tenantId, mediaId, `${jobId}-`),
  /** A broadcast's init segment of one track in one publisher session. */
  liveInitKey: (tenantId: string, mediaId: string, period: number, track: string) =>
    joinKey('media', tenantId, mediaId, 'live', `p${period}`, track, 'init.mp4'),
  /** A broadcast's media segment; `seq` numbers the track's segments across periods. */
  liveSegmentKey: (tenantId: string, mediaId: string, period: number, track: string, seq: number) =>
    joinKey('media', tenantId, mediaId, 'live', `p${period}`, track, `${seq}.m4s`),
  /** One revision of a caption track; `nonce` keeps an old URL from ever naming new bytes. */
  captionKey: (tenantId: string, mediaId: string, trackId: string, revision: number, nonce: string) =>
    joinKey('media', tenantId, mediaId, 'captions', `${trackId}-r${revision}-${nonce}.vtt`),
};
