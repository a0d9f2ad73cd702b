import type { PublishedRendition } from '../media/playback-index.ts';
import { bandwidth, targetDuration } from './bandwidth.ts';

export const AUDIO_GROUP = 'audio';

export const playlistName = (r: PublishedRendition) => `${r.id}.m3u8`;

/** A VOD media playlist over one CMAF file, with byte ranges (HLS version 7). */
export function mediaPlaylist(r: PublishedRendition): string {
  const target = targetDuration(r.index);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI="${r.file}",BYTERANGE="${r.index.initLength}@0"`,
  ];
  for (const s of r.index.segments) {
    lines.push(`#EXTINF:${s.duration.toFixed(6)},`, `#EXT-X-BYTERANGE:${s.length}@${s.offset}`, r.file);
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** A caption track as the master playlist and the MPD list it (paths relative to them). */
export interface SubtitleRendition {
  id: string;
  /** Its HLS media playlist (see subtitlePlaylist). */
  playlist: string;
  /** Its WebVTT file. */
  file: string;
  name: string;
  /** BCP 47 tag. */
  language: string;
  kind: 'captions' | 'subtitles';
  isDefault: boolean;
}

export const SUBTITLE_GROUP = 'subs';
export const CLOSED_CAPTIONS_GROUP = 'cc';

/**
 * The rendition group of the 608 captions in the video: CC1, the primary channel (608 names no
 * language; CC1 is the programme's main language, in practice English where 608 is used).
 */
const CLOSED_CAPTIONS_MEDIA = `#EXT-X-MEDIA:${[
  'TYPE=CLOSED-CAPTIONS',
  `GROUP-ID="${CLOSED_CAPTIONS_GROUP}"`,
  'NAME="English"',
  'LANGUAGE="en"',
  'DEFAULT=YES',
  'AUTOSELECT=YES',
  'INSTREAM-ID="CC1"',
].join(',')}`;

/** Apple's characteristics of captions for the deaf and hard of hearing (speech and sounds). */
const SDH = 'public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound';

/** EXT-X-MEDIA lines of the subtitle group: names unique in the group, at most one default. */
function subtitleMedia(subtitles: readonly SubtitleRendition[]): string[] {
  const names = new Set<string>();
  let defaulted = false;
  return subtitles.map((s) => {
    // A quoted-string holds no double quote or line break.
    const base = s.name.replace(/["\r\n]/g, "'");
    let name = base;
    for (let n = 2; names.has(name); n++) name = `${base} (${n})`;
    names.add(name);
    const isDefault = s.isDefault && !defaulted;
    defaulted ||= isDefault;
    const attrs = [
      'TYPE=SUBTITLES',
      `GROUP-ID="${SUBTITLE_GROUP}"`,
      `NAME="${name}"`,
      `LANGUAGE="${s.language}"`,
      `DEFAULT=${isDefault ? 'YES' : 'NO'}`,
      'AUTOSELECT=YES',
      'FORCED=NO',
      ...(s.kind === 'captions' ? [`CHARACTERISTICS="${SDH}"`] : []),
      `URI="${s.playlist}"`,
    ];
    return `#EXT-X-MEDIA:${attrs.join(',')}`;
  });
}

/**
 * A caption track's HLS media playlist: its whole WebVTT file as one segment as long as the media.
 * Caption files are small (hours of speech are a few hundred kB), so one request gives a player
 * every cue, whatever it seeks to, and no cue is cut in two at a segment boundary.
 */
export function subtitlePlaylist(file: string, durationSeconds: number): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(durationSeconds))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${durationSeconds.toFixed(6)},`,
    file,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

/** The audio renditions, the default one first (old versions mark none: their first is). */
export function audioRenditions(renditions: readonly PublishedRendition[]): PublishedRendition[] {
  const audios = renditions.filter((r) => r.kind === 'audio');
  const chosen = audios.find((r) => r.isDefault) ?? audios[0];
  return chosen ? [chosen, ...audios.filter((r) => r !== chosen)] : [];
}

/** EXT-X-MEDIA lines of the audio group: every track with its language and a unique name. */
function audioMedia(audios: readonly PublishedRendition[]): string[] {
  const names = new Set<string>();
  return audios.map((a, i) => {
    const base = (a.name ?? 'Audio').replace(/["\r\n]/g, "'");
    let name = base;
    for (let n = 2; names.has(name); n++) name = `${base} (${n})`;
    names.add(name);
    const attrs = [
      'TYPE=AUDIO',
      `GROUP-ID="${AUDIO_GROUP}"`,
      `NAME="${name}"`,
      ...(a.language ? [`LANGUAGE="${a.language}"`] : []),
      `DEFAULT=${i === 0 ? 'YES' : 'NO'}`,
      'AUTOSELECT=YES',
      `CHANNELS="${a.channels ?? 2}"`,
      `URI="${playlistName(a)}"`,
    ];
    return `#EXT-X-MEDIA:${attrs.join(',')}`;
  });
}

/**
 * The multivariant playlist: video variants best first, all sharing one audio group (every track,
 * the default first) and, when the media has caption tracks, one subtitle group. A variant's
 * BANDWIDTH is its peak plus the most demanding audio track's, whichever a player picks.
 */
export function masterPlaylist(
  renditions: readonly PublishedRendition[],
  subtitles: readonly SubtitleRendition[] = [],
): string {
  const audios = audioRenditions(renditions);
  const audio = audios[0];
  const videos = renditions.filter((r) => r.kind === 'video');
  const audioBw = audios
    .map((a) => bandwidth(a.index))
    .reduce(
      (max, bw) => ({ peak: Math.max(max.peak, bw.peak), average: Math.max(max.average, bw.average) }),
      {
        peak: 0,
        average: 0,
      },
    );
  const audioCodecs = [...new Set(audios.map((a) => a.codec))];
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (audio && videos.length > 0) lines.push(...audioMedia(audios));
  lines.push(...subtitleMedia(subtitles));
  // Declared only when every variant carries them (the rungs all come from the same frames). A
  // media without them leaves the OPTIONAL attribute out: NONE (RFC 8216bis 4.4.6.2) would be a
  // promise on every variant of every version, and leaving it out keeps such masters unchanged.
  const closedCaptions = videos.length > 0 && videos.every((v) => v.closedCaptions === true);
  if (closedCaptions) lines.push(CLOSED_CAPTIONS_MEDIA);
  const subtitleGroup = subtitles.length > 0 ? [`SUBTITLES="${SUBTITLE_GROUP}"`] : [];
  for (const v of videos) {
    const bw = bandwidth(v.index);
    const attrs = [
      `BANDWIDTH=${bw.peak + audioBw.peak}`,
      `AVERAGE-BANDWIDTH=${bw.average + audioBw.average}`,
      `CODECS="${[v.codec, ...audioCodecs].join(',')}"`,
      `RESOLUTION=${v.width}x${v.height}`,
      ...(v.frameRate ? [`FRAME-RATE=${v.frameRate.toFixed(3)}`] : []),
      ...(audio ? [`AUDIO="${AUDIO_GROUP}"`] : []),
      ...subtitleGroup,
      ...(closedCaptions ? [`CLOSED-CAPTIONS="${CLOSED_CAPTIONS_GROUP}"`] : []),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, playlistName(v));
  }
  if (videos.length === 0 && audio) {
    const own = bandwidth(audio.index);
    const attrs = [
      `BANDWIDTH=${own.peak}`,
      `CODECS="${audio.codec}"`,
      ...subtitleGroup,
      `AVERAGE-BANDWIDTH=${own.average}`,
    ];
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, playlistName(audio));
  }
  lines.push('');
  return lines.join('\n');
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function isoDuration(seconds: number): string {
  return `PT${seconds.toFixed(3)}S`;
}

/**
 * DASH addresses each segment by number ($Number$); the /play route maps those names to byte
 * ranges of the one stored file. (ffmpeg 5.1 reads SegmentList mediaRange one byte short, so
 * byte-range DASH would not play there.)
 */
export const dashSegmentPath = (r: PublishedRendition, n: number | '$Number$') => `${r.id}/${n}.m4s`;
export const dashInitPath = (r: PublishedRendition) => `${r.id}/init.mp4`;

function representation(r: PublishedRendition): string {
  const timescale = 1000;
  const bw = bandwidth(r.index);
  const attrs = [`id="${xml(r.id)}"`, `codecs="${xml(r.codec)}"`, `bandwidth="${bw.peak}"`];
  if (r.kind === 'video') {
    attrs.push(`width="${r.width}"`, `height="${r.height}"`);
    if (r.frameRate) attrs.push(`frameRate="${Math.round(r.frameRate * 1000)}/1000"`);
  } else {
    attrs.push('audioSamplingRate="48000"');
  }
  const channels = r.channels ?? 2;
  const timeline: string[] = [];
  // Segment times are media times; presentationTimeOffset maps the first one to the period's start.
  // Rounded from the running total, so per-segment rounding never drifts from the media's clock.
  const offset = Math.round((r.timeOffsetSeconds ?? 0) * timescale);
  let elapsed = 0;
  for (const s of r.index.segments) {
    const t = Math.round(elapsed * timescale);
    elapsed += s.duration;
    timeline.push(`<S t="${offset + t}" d="${Math.round(elapsed * timescale) - t}"/>`);
  }
  const template = [
    `timescale="${timescale}"`,
    ...(offset > 0 ? [`presentationTimeOffset="${offset}"`] : []),
    'startNumber="0"',
    `initialization="${xml(dashInitPath(r))}"`,
    `media="${xml(dashSegmentPath(r, '$Number$'))}"`,
  ];
  return [
    `<Representation ${attrs.join(' ')}>`,
    ...(r.kind === 'audio'
      ? [
          `<AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${channels}"/>`,
        ]
      : []),
    `<SegmentTemplate ${template.join(' ')}>`,
    `<SegmentTimeline>${timeline.join('')}</SegmentTimeline>`,
    '</SegmentTemplate>',
    '</Representation>',
  ].join('\n');
}

function audioAdaptationSet(a: PublishedRendition, id: number, main: boolean): string {
  return [
    `<AdaptationSet id="${id}" contentType="audio" mimeType="audio/mp4" lang="${xml(a.language ?? 'und')}" segmentAlignment="true" startWithSAP="1">`,
    `<Role schemeIdUri="urn:mpeg:dash:role:2011" value="${main ? 'main' : 'alternate'}"/>`,
    ...(a.name ? [`<Label>${xml(a.name).replace(/>/g, '&gt;')}</Label>`] : []),
    representation(a),
    '</AdaptationSet>',
  ].join('\n');
}

/**
 * A caption track as a text AdaptationSet: one WebVTT file (a sidecar), whose cue times are
 * presentation times (the period starts at the media's first frame).
 */
function textAdaptationSet(s: SubtitleRendition, id: number): string {
  return [
    `<AdaptationSet id="${id}" contentType="text" mimeType="text/vtt" lang="${xml(s.language)}">`,
    `<Role schemeIdUri="urn:mpeg:dash:role:2011" value="${s.kind === 'captions' ? 'caption' : 'subtitle'}"/>`,
    `<Label>${xml(s.name).replace(/>/g, '&gt;')}</Label>`,
    `<Representation id="${xml(s.id)}" bandwidth="256">`,
    `<BaseURL>${xml(s.file)}</BaseURL>`,
    '</Representation>',
    '</AdaptationSet>',
  ].join('\n');
}

/** A static DASH MPD over the same CMAF files as the HLS playlists, plus the caption tracks. */
export function dashManifest(
  renditions: readonly PublishedRendition[],
  durationSeconds: number,
  subtitles: readonly SubtitleRendition[] = [],
): string {
  const videos = renditions.filter((r) => r.kind === 'video');
  const audios = audioRenditions(renditions);
  const sets: string[] = [];
  if (videos.length) {
    // 608 captions in the pictures, as DASH-IF names them: channel CC1, English (see masterPlaylist).
    const cc = videos.every((v) => v.closedCaptions === true)
      ? '\n<Accessibility schemeIdUri="urn:scte:dash:cc:cea-608:2015" value="CC1=eng"/>'
      : '';
    sets.push(
      `<AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">${cc}\n${videos.map(representation).join('\n')}\n</AdaptationSet>`,
    );
  }
  // One adaptation set per audio track (a player switches sets, not bitrates, to change language),
  // the default one first with the main role. Ids: video 0, default audio 1, text tracks 2.., then
  // the other audio tracks.
  audios.forEach((a, i) => {
    sets.push(audioAdaptationSet(a, i === 0 ? 1 : 1 + subtitles.length + i, i === 0));
  });
  subtitles.forEach((sub, i) => sets.push(textAdaptationSet(sub, 2 + i)));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="${isoDuration(durationSeconds)}" minBufferTime="PT4S">`,
    '<Period id="0" start="PT0S">',
    ...sets,
    '</Period>',
    '</MPD>',
    '',
  ].join('\n');
}

/** Storyboard cues: one WebVTT cue per thumbnail, pointing into its sprite sheet with #xywh. */
export function storyboardVtt(
  sheet: { file: (n: number) => string; perSheet: number },
  tile: { width: number; height: number; columns: number },
  intervalSeconds: number,
  count: number,
  durationSeconds: number,
): string {
  const stamp = (s: number) => {
    const ms = Math.round(s * 1000);
    const h = Math.floor(ms / 3_600_000);
    const m = Math.floor((ms % 3_600_000) / 60_000);
    const sec = Math.floor((ms % 60_000) / 1000);
    return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
  };
  const lines = ['WEBVTT', ''];
  for (let i = 0; i < count; i++) {
    const start = i * intervalSeconds;
    if (start >= durationSeconds) break;
    const end = Math.min(durationSeconds, start + intervalSeconds);
    const inSheet = i % sheet.perSheet;
    const x = (inSheet % tile.columns) * tile.width;
    const y = Math.floor(inSheet / tile.columns) * tile.height;
    lines.push(
      `${stamp(start)} --> ${stamp(end)}`,
      `${sheet.file(Math.floor(i / sheet.perSheet))}#xywh=${x},${y},${tile.width},${tile.height}`,
      '',
    );
  }
  return lines.join('\n');
}
