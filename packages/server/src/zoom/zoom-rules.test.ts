import { describe, expect, it } from 'vitest';
import { monthRanges } from './zoom-api.ts';
import type { ZoomMeetingRecording } from './zoom-payloads.ts';
import { ruleRefusal, transcriptFileOf, videoFileOf, withAccessToken, zoomRules } from './zoom-rules.ts';

const meeting = (over: Partial<ZoomMeetingRecording> = {}): ZoomMeetingRecording => ({
  uuid: 'u1',
  id: 1,
  topic: 'Biology Class',
  duration: 50,
  host_email: 'Teacher@School.example',
  recording_files: [
    {
      id: 'a',
      file_type: 'MP4',
      recording_type: 'gallery_view',
      download_url: 'https://zoom.example/a',
      status: 'completed',
    },
    {
      id: 'b',
      file_type: 'MP4',
      recording_type: 'shared_screen_with_speaker_view',
      download_url: 'https://zoom.example/b',
    },
    {
      id: 'c',
      file_type: 'MP4',
      recording_type: 'speaker_view',
      download_url: 'https://zoom.example/c',
      status: 'processing',
    },
    {
      id: 't',
      file_type: 'TRANSCRIPT',
      file_extension: 'VTT',
      recording_type: 'audio_transcript',
      download_url: 'https://zoom.example/t',
    },
    { id: 'x', file_type: 'CHAT', download_url: 'https://zoom.example/x' },
  ],
  ...over,
});

describe('Zoom import rules', () => {
  it('takes every meeting without rules, private by default', () => {
    const rules = zoomRules.parse({});
    expect(rules).toEqual({ visibility: 'private', transcriptLanguage: 'en' });
    expect(ruleRefusal(rules, meeting())).toBeUndefined();
  });

  it('refuses by topic, host and duration, case-insensitively', () => {
    const rules = zoomRules.parse({
      topicContains: 'CLASS',
      hostEmails: ['teacher@school.example'],
      minDurationMinutes: 30,
    });
    expect(ruleRefusal(rules, meeting())).toBeUndefined();
    expect(ruleRefusal(rules, meeting({ topic: 'Staff meeting' }))).toBe('topic');
    expect(ruleRefusal(rules, meeting({ host_email: 'other@school.example' }))).toBe('host');
    expect(ruleRefusal(rules, meeting({ host_email: undefined }), 'teacher@school.example')).toBeUndefined();
    expect(ruleRefusal(rules, meeting({ duration: 29 }))).toBe('duration');
  });

  it('picks the shared screen with speaker view, completed, and the transcript', () => {
    expect(videoFileOf(meeting())?.id).toBe('b');
    expect(videoFileOf(meeting({ recording_files: [] }))).toBeUndefined();
    expect(transcriptFileOf(meeting())?.id).toBe('t');
  });

  it('adds the token as access_token, keeping the query', () => {
    expect(withAccessToken('https://zoom.example/rec/download/x?a=1', 't k')).toBe(
      'https://zoom.example/rec/download/x?a=1&access_token=t+k',
    );
  });

  it('asks Zoom for at most 30 days at once', () => {
    expect(monthRanges('2026-01-01', '2026-01-10')).toEqual([{ from: '2026-01-01', to: '2026-01-10' }]);
    expect(monthRanges('2026-01-01', '2026-03-01')).toEqual([
      { from: '2026-01-01', to: '2026-01-30' },
      { from: '2026-01-31', to: '2026-03-01' },
    ]);
  });
});
