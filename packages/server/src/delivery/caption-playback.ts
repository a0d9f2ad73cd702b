import { createHash } from 'node:crypto';
import type { CaptionsRepository } from '../captions/captions.repository.ts';
import { readText } from '../captions/stored-text.ts';
import { trackChanges } from '../captions/track-changes.ts';
import type { CaptionTrackRow } from '../db/schema.ts';
import type { PlaybackIndex } from '../media/playback-index.ts';
import type { Storage } from '../storage/storage.ts';
import { subtitlePlaylist, type SubtitleRendition } from './manifests.ts';
import type { PlayableMedia } from './playable-media.repository.ts';

/** Where caption files live under a media's stable /play path. */
export const CAPTIONS_PATH = 'captions/';

/** The caption tracks of a media as /play lists them; `key` changes whenever the list would. */
export interface PlaySubtitles {
  key: string;
  list: SubtitleRendition[];
}

/** What /play asks of captions: the tracks for the master playlist and MPD, and their files. */
export interface PlayCaptions {
  subtitles(media: PlayableMedia): Promise<PlaySubtitles>;
  /** A name under `captions/`: a track's HLS playlist or one revision of its WebVTT; null if none. */
  file(
    media: PlayableMedia,
    name: string,
    index: PlaybackIndex,
  ): Promise<{ body: string; type: string; cache: 'manifest' | 'playlist' } | null>;
}

const M3U8 = 'application/vnd.apple.mpegurl';
const VTT = 'text/vtt; charset=utf-8';
/** How long a media's track list serves /play (as long as its row serves manifests). */
const TRACKS_TTL_MS = 100;
/** Track lists kept at once; beyond, the memo starts over. */
const MAX_RECENT_MEDIA = 10_000;

interface Listed {
  tracks: CaptionTrackRow[];
  subtitles: PlaySubtitles;
}

/** Stored files kept in memory: a revision's file never changes. */
const MAX_CACHED_FILES = 200;

const playlistPath = (t: Pick<CaptionTrackRow, 'id'>) => `${t.id}.m3u8`;
const filePath = (t: Pick<CaptionTrackRow, 'id' | 'revision'>) => `${t.id}/${t.revision}.vtt`;

/** A track as the master playlist (HLS) and MPD (DASH) name it, relative to /play/{media}/. */
export function subtitleRendition(track: CaptionTrackRow): SubtitleRendition {
  return {
    id: track.id,
    playlist: CAPTIONS_PATH + playlistPath(track),
    file: CAPTIONS_PATH + filePath(track),
    name: track.label,
    language: track.language,
    kind: track.kind,
    isDefault: track.is_default === 1,
  };
}

/**
 * The tracks as a manifest of a playback session lists them: under its version path, which
 * carries the session's grant (`../../{grant}/{media}/{version}`), like the renditions. A grant
 * opens one version only, so caption files are also served inside every version (see
 * `captionInVersion`), where the version's own index times them.
 */
export function subtitlesUnder(list: readonly SubtitleRendition[], base: string): SubtitleRendition[] {
  return list.map((s) => ({ ...s, playlist: `${base}/${s.playlist}`, file: `${base}/${s.file}` }));
}

/** `{version}/captions/{name}`: a caption file named inside a version; null for any other path. */
export function captionInVersion(rest: string): { version: string; name: string } | null {
  const slash = rest.indexOf('/');
  if (slash < 0 || !rest.startsWith(CAPTIONS_PATH, slash + 1)) return null;
  return { version: rest.slice(0, slash), name: rest.slice(slash + 1 + CAPTIONS_PATH.length) };
}

/**
 * A WebVTT file as an HLS segment: X-TIMESTAMP-MAP puts cue time 0 at the media time where the
 * presentation starts (renditions are written `timeOffsetSeconds` into their timeline, see
 * MEDIA_TIME_OFFSET_SECONDS), so a cue at t shows with the frame at t. Other readers (DASH
 * players, ffmpeg, browsers' <track>) ignore the header line.
 */
export function withTimestampMap(vtt: string, index: PlaybackIndex): string {
  const first = index.renditions.find((r) => r.kind === 'video') ?? index.renditions[0];
  const mpegts = Math.round((first?.timeOffsetSeconds ?? 0) * 90_000);
  const lineEnd = vtt.indexOf('\n');
  const signature = lineEnd < 0 ? vtt : vtt.slice(0, lineEnd);
  const rest = lineEnd < 0 ? '\n' : vtt.slice(lineEnd);
  return `${signature}\nX-TIMESTAMP-MAP=MPEGTS:${mpegts},LOCAL:00:00:00.000${rest}`;
}

/**
 * Caption tracks for /play. The routes admit the request (rules, token) before asking, so tracks
 * are looked up by media id alone.
 *
 * @example playRoutes({ ...access, captions: new CaptionPlayback(repos.captions, storage) })
 */
export class CaptionPlayback implements PlayCaptions {
  private readonly files = new Map<string, string>();
  /** Each media's tracks as last read, shared by the requests of the next TRACKS_TTL_MS. */
  private readonly recent = new Map<string, { at: number; generation: number; read: Promise<Listed> }>();

  constructor(
    private readonly tracks: Pick<CaptionsRepository, 'listForPlayback'>,
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  async subtitles(media: PlayableMedia): Promise<PlaySubtitles> {
    return (await this.listed(media.id)).subtitles;
  }

  /**
   * A media's tracks, read at most once per TRACKS_TTL_MS: every player starting a session asks
   * for a master playlist, and thousands may start within a second. The same staleness as the
   * media row's (see MANIFEST_TTL_MS in playback.service.ts).
   */
  private listed(mediaId: string): Promise<Listed> {
    const at = this.now();
    const generation = trackChanges.current();
    const recent = this.recent.get(mediaId);
    if (recent && recent.generation === generation && at - recent.at < TRACKS_TTL_MS) return recent.read;
    if (this.recent.size >= MAX_RECENT_MEDIA) this.recent.clear();
    const read = this.tracks.listForPlayback(mediaId).then((tracks) => {
      const list = tracks.map(subtitleRendition);
      const key = list.length ? createHash('sha1').update(JSON.stringify(list)).digest('base64url') : '';
      return { tracks, subtitles: { key, list } };
    });
    this.recent.set(mediaId, { at, generation, read });
    read.catch(() => this.recent.delete(mediaId));
    return read;
  }

  async file(media: PlayableMedia, name: string, index: PlaybackIndex) {
    const match = /^(cap_[0-9a-z]{26})(?:\.m3u8|\/(\d{1,9})\.vtt)$/.exec(name);
    if (!match?.[1]) return null;
    const track = (await this.listed(media.id)).tracks.find((t) => t.id === match[1]);
    if (!track) return null;
    if (match[2] === undefined) {
      // Relative to the playlist's own URL, which is under captions/ too.
      const body = subtitlePlaylist(filePath(track), index.durationSeconds);
      return { body, type: M3U8, cache: 'manifest' as const };
    }
    if (Number(match[2]) !== track.revision) return null;
    const body = withTimestampMap(await this.stored(track.storage_key), index);
    return { body, type: VTT, cache: 'playlist' as const };
  }

  private async stored(key: string): Promise<string> {
    const cached = this.files.get(key);
    if (cached !== undefined) return cached;
    const text = await readText(this.storage, key);
    if (this.files.size >= MAX_CACHED_FILES) this.files.clear();
    this.files.set(key, text);
    return text;
  }
}
