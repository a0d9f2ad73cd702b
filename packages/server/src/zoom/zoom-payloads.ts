import { z } from 'zod';

/** One file of a Zoom cloud recording, as Zoom's webhooks and list-recordings API describe it. */
export const zoomRecordingFile = z
  .object({
    id: z.string().min(1).max(200).optional(),
    file_type: z.string().max(40).optional(),
    file_extension: z.string().max(20).optional(),
    file_size: z.number().nonnegative().optional(),
    download_url: z.string().max(4096).optional(),
    status: z.string().max(40).optional(),
    recording_type: z.string().max(80).optional(),
  })
  .loose();

/** A meeting's recording (webhook `payload.object`, or one of list-recordings' `meetings`). */
export const zoomMeetingRecording = z
  .object({
    uuid: z.string().min(1).max(200),
    id: z.union([z.number(), z.string().max(64)]),
    topic: z.string().max(2000).default(''),
    start_time: z.string().max(64).optional(),
    duration: z.number().nonnegative().optional(),
    host_email: z.string().max(320).optional(),
    host_id: z.string().max(200).optional(),
    recording_files: z.array(zoomRecordingFile).max(200).default([]),
  })
  .loose();

export type ZoomRecordingFile = z.infer<typeof zoomRecordingFile>;
export type ZoomMeetingRecording = z.infer<typeof zoomMeetingRecording>;

/** A webhook's body: the URL validation challenge, recording.completed, or any other event. */
export const zoomWebhookBody = z
  .object({
    event: z.string().max(100),
    event_ts: z.number().optional(),
    payload: z.unknown(),
    download_token: z.string().max(4096).optional(),
  })
  .loose();

export const urlValidationPayload = z.object({ plainToken: z.string().min(1).max(512) });

export const recordingCompletedPayload = z.object({ object: zoomMeetingRecording }).loose();

/** GET /users/{userId}/recordings (and /accounts/{accountId}/recordings): one page. */
export const zoomRecordingsPage = z
  .object({
    next_page_token: z.string().max(4096).optional(),
    meetings: z.array(zoomMeetingRecording).default([]),
  })
  .loose();

export const zoomTokenResponse = z
  .object({ access_token: z.string().min(1), expires_in: z.number().optional() })
  .loose();
