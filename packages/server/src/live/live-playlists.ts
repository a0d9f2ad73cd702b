import type { LivePeriod, LiveSegment, LiveTrack } from './live-tracks.ts';

/**
 * Kino's own live playlists, written from the segments the database lists (so any API process
 * serves them): HLS media playlists with EXT-X-PROGRAM-DATE-TIME from when Kino received each
 * segment, a discontinuity (and a new EXT-X-MAP) at every reconnect, a DVR window; a master
 * playlist; and a DASH MPD over the same files with one Period per publisher session. Paths are
 * relative to `/play/{media}/` (master, MPD) and `/play/{media}/live/` (media playlists).
 */

export interface LivePlaylistOptions {
  /** The broadcast ended: the whole recording, as VOD (ENDLIST, static MPD). */
  ended: boolean;
  /** Segments older than this many seconds behind the newest leave a live playlist. */
  dvrWindowSeconds: number;
  /** The segment duration the packager aims for (target durations never go below it). */
  segmentSeconds: number;
  /** Low latency: players may block on the next segment (`_HLS_msn`). */
  blockingReload: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => (ms / 1000).toFixed(3);
const segmentPath = (track: string, s: LiveSegment) => `p${s.period}/${track}/${s.seq}.m4s`;
const initPath = (track: string, period: number) => `p${period}/${track}/init.mp4`;

/** The segments a live playlist lists: all of an ended broadcast's, else the DVR window's. */
export function inWindow(segments: readonly LiveSegment[], opts: LivePlaylistOptions): LiveSegment[] {
  const last = segments.at(-1);
  if (opts.ended || !last) return [...segments];
  const from = last.receivedAt + last.durationMs - opts.dvrWindowSeconds * 1000;
  return segments.filter((s) => s.receivedAt + s.durationMs > from);
}

/** The HLS media playlist of one track. */
export function liveMediaPlaylist(
  track: string,
  all: readonly LiveSegment[],
  opts: LivePlaylistOptions,
): string {
  const shown = inWindow(all, opts);
  const first = shown[0];
  const maxMs = Math.max(opts.segmentSeconds * 1000, ...all.map((s) => s.durationMs));
  // RFC 8216: each EXTINF rounded to the nearest integer is at most the target (a ceiling
  // would add a second of hold-back to every low-latency player for a 1.02 s segment).
  const target = Math.max(opts.segmentSeconds, Math.round(maxMs / 1000));
  // Each period change before the first listed segment is a discontinuity players have passed.
  let discontinuities = 0;
  for (let i = 1; first && i < all.length; i++) {
    const [before, at] = [all[i - 1], all[i]];
    if (!before || !at || before.seq >= first.seq) break;
    if (at.period !== before.period) discontinuities++;
  }
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${target}`];
  if (opts.blockingReload && !opts.ended) {
    lines.push(`#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,HOLD-BACK=${(target * 3).toFixed(1)}`);
  }
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${first?.seq ?? 0}`, `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuities}`);
  if (opts.ended) lines.push('#EXT-X-PLAYLIST-TYPE:VOD');
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  let period: number | undefined;
  for (const s of shown) {
    if (s.period !== period) {
      if (period !== undefined) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXT-X-MAP:URI="${initPath(track, s.period)}"`);
      period = s.period;
    }
    lines.push(
      `#EXT-X-PROGRAM-DATE-TIME:${iso(s.receivedAt)}`,
      `#EXTINF:${seconds(s.durationMs)},`,
      segmentPath(track, s),
    );
  }
  if (opts.ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

/** The master playlist: one variant per video track of the newest period, audio as a group. */
/** `base` prefixes the child URLs (empty under the media's own path). */
export function liveMasterPlaylist(tracks: readonly LiveTrack[], base = ''): string {
  const audio = tracks.find((t) => t.kind === 'audio');
  const videos = tracks.filter((t) => t.kind === 'video');
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (audio) {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,URI="${base}live/${audio.id}.m3u8"`,
    );
  }
  for (const v of [...videos].sort((a, b) => b.bandwidth - a.bandwidth)) {
    const codecs = [v.codecs, audio?.codecs].filter(Boolean).join(',');
    const attrs = [
      `BANDWIDTH=${v.bandwidth + (audio?.bandwidth ?? 0)}`,
      `CODECS="${codecs}"`,
      ...(v.width && v.height ? [`RESOLUTION=${v.width}x${v.height}`] : []),
      ...(audio ? ['AUDIO="audio"'] : []),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, `${base}live/${v.id}.m3u8`);
  }
  if (videos.length === 0 && audio) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${audio.bandwidth},CODECS="${audio.codecs}"`,
      `${base}live/${audio.id}.m3u8`,
    );
  }
  return lines.join('\n') + '\n';
}

const duration = (ms: number) => `PT${(ms / 1000).toFixed(3)}S`;
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The DASH MPD: dynamic while the broadcast runs (Periods placed at the wall-clock time their
 * first segment arrived), static once it ended (Periods back to back, the recording as VOD).
 */
export function liveDashManifest(
  periods: readonly LivePeriod[],
  segmentsByTrack: ReadonlyMap<string, readonly LiveSegment[]>,
  opts: LivePlaylistOptions,
  now: number,
  base = '',
): string {
  const shownByTrack = new Map([...segmentsByTrack].map(([id, s]) => [id, inWindow(s, opts)]));
  const firstOfPeriod = (p: number) => {
    let first: LiveSegment | undefined;
    for (const list of segmentsByTrack.values()) {
      const s = list.find((x) => x.period === p);
      if (s && (!first || s.receivedAt < first.receivedAt)) first = s;
    }
    return first;
  };
  const withSegments = periods.filter((p) => firstOfPeriod(p.period));
  const origin = (withSegments[0] && firstOfPeriod(withSegments[0].period)?.receivedAt) ?? now;
  let staticStart = 0;
  const periodXml: string[] = [];
  for (const p of withSegments) {
    const sets: string[] = [];
    let periodMs = 0;
    for (const kind of ['video', 'audio'] as const) {
      const reps: string[] = [];
      for (const track of p.tracks.filter((t) => t.kind === kind)) {
        const listed = (shownByTrack.get(track.id) ?? []).filter((s) => s.period === p.period);
        const all = (segmentsByTrack.get(track.id) ?? []).filter((s) => s.period === p.period);
        if (listed.length === 0 || all.length === 0) continue;
        // Decode times in ms: the period's first segment starts at startMs; durations follow.
        let t = track.startMs;
        const starts = new Map<number, number>();
        for (const s of all) {
          starts.set(s.seq, t);
          t += s.durationMs;
        }
        periodMs = Math.max(periodMs, t - track.startMs);
        const timeline = listed
          .map(
            (s, i) =>
              `<S ${i === 0 ? `t="${Math.round(starts.get(s.seq) ?? 0)}" ` : ''}d="${s.durationMs}"/>`,
          )
          .join('');
        const size = track.width && track.height ? ` width="${track.width}" height="${track.height}"` : '';
        reps.push(
          `<Representation id="${track.id}" codecs="${xml(track.codecs)}" bandwidth="${track.bandwidth}"${size}>` +
            `<SegmentTemplate timescale="1000" presentationTimeOffset="${Math.round(track.startMs)}" ` +
            `initialization="live/${initPath(track.id, p.period)}" media="live/p${p.period}/${track.id}/$Number$.m4s" ` +
            `startNumber="${listed[0]?.seq ?? 0}"><SegmentTimeline>${timeline}</SegmentTimeline></SegmentTemplate></Representation>`,
        );
      }
      if (reps.length) {
        const mime = kind === 'video' ? 'video/mp4' : 'audio/mp4';
        sets.push(
          `<AdaptationSet contentType="${kind}" mimeType="${mime}" segmentAlignment="true" startWithSAP="1">${reps.join('')}</AdaptationSet>`,
        );
      }
    }
    if (sets.length === 0) continue;
    const start = opts.ended ? staticStart : (firstOfPeriod(p.period)?.receivedAt ?? origin) - origin;
    staticStart += periodMs;
    periodXml.push(`<Period id="p${p.period}" start="${duration(start)}">${sets.join('')}</Period>`);
  }
  const head = opts.ended
    ? `type="static" mediaPresentationDuration="${duration(staticStart)}"`
    : `type="dynamic" availabilityStartTime="${iso(origin)}" publishTime="${iso(now)}" ` +
      `minimumUpdatePeriod="${duration(opts.segmentSeconds * 1000)}" timeShiftBufferDepth="${duration(opts.dvrWindowSeconds * 1000)}" ` +
      `suggestedPresentationDelay="${duration(opts.segmentSeconds * 3000)}"`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" ` +
    `profiles="urn:mpeg:dash:profile:isoff-live:2011" ${head} minBufferTime="PT2S">` +
    (base ? `<BaseURL>${xml(base)}</BaseURL>` : '') +
    `${periodXml.join('')}</MPD>\n`
  );
}
