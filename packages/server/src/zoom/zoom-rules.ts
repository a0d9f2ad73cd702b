import { z } from 'zod';
import { languageSchema } from '../captions/captions.schemas.ts';
import type { ZoomMeetingRecording, ZoomRecordingFile } from './zoom-payloads.ts';

/** Which Zoom meetings a tenant imports, and how. Every rule set must hold; an unset rule passes. */
export const zoomRules = z.strictObject({
  /** The topic contains this text (case-insensitive). */
  topicContains: z.string().min(1).max(200).optional(),
  /** The host is one of these addresses (case-insensitive). */
  hostEmails: z.array(z.email().max(320)).min(1).max(500).optional(),
  /** The meeting lasted at least this many minutes. */
  minDurationMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .optional(),
  /** How imported media are made; private unless the tenant says otherwise. */
  visibility: z.enum(['public', 'private']).default('private'),
  /** Zoom names no language for its transcripts: the caption track gets this one. */
  transcriptLanguage: languageSchema.default('en'),
});

export type ZoomRules = z.infer<typeof zoomRules>;

/** Why a meeting is left out, or undefined when the rules take it. */
export function ruleRefusal(
  rules: ZoomRules,
  meeting: ZoomMeetingRecording,
  hostEmail?: string,
): 'topic' | 'host' | 'duration' | undefined {
  if (rules.topicContains && !meeting.topic.toLowerCase().includes(rules.topicContains.toLowerCase())) {
    return 'topic';
  }
  if (rules.hostEmails) {
    const host = (meeting.host_email ?? hostEmail ?? '').toLowerCase();
    if (!rules.hostEmails.some((e) => e.toLowerCase() === host)) return 'host';
  }
  if (rules.minDurationMinutes !== undefined && (meeting.duration ?? 0) < rules.minDurationMinutes) {
    return 'duration';
  }
  return undefined;
}

/** The views Zoom records, best first: the one most people want to watch is imported. */
const VIEW_ORDER = [
  'shared_screen_with_speaker_view',
  'shared_screen_with_speaker_view(cc)',
  'shared_screen_with_gallery_view',
  'speaker_view',
  'active_speaker',
  'gallery_view',
  'shared_screen',
];

const usable = (f: ZoomRecordingFile) =>
  f.id !== undefined && f.download_url !== undefined && (f.status === undefined || f.status === 'completed');

/** The MP4 file of a recording to import as its media, if there is one. */
export function videoFileOf(meeting: ZoomMeetingRecording): ZoomRecordingFile | undefined {
  const videos = meeting.recording_files.filter((f) => usable(f) && f.file_type?.toUpperCase() === 'MP4');
  const rank = (f: ZoomRecordingFile) => {
    const at = VIEW_ORDER.indexOf(f.recording_type ?? '');
    return at === -1 ? VIEW_ORDER.length : at;
  };
  return videos.sort((a, b) => rank(a) - rank(b))[0];
}

/** The transcript (WebVTT) Zoom made of a recording's audio, when it made one. */
export function transcriptFileOf(meeting: ZoomMeetingRecording): ZoomRecordingFile | undefined {
  return meeting.recording_files.find(
    (f) =>
      usable(f) && (f.file_type?.toUpperCase() === 'TRANSCRIPT' || f.recording_type === 'audio_transcript'),
  );
}

/** The URL a Zoom file downloads from with a token (Zoom's documented `access_token` query parameter). */
export function withAccessToken(downloadUrl: string, token: string): string {
  const url = new URL(downloadUrl);
  url.searchParams.set('access_token', token);
  return url.toString();
}
