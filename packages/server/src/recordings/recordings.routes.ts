import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RecordingPartRow, RecordingRow } from '../db/schema.ts';
import { tenantOf } from '../http/access.ts';
import { baseUrlOf } from '../http/base-url.ts';
import { timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import { problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { RECORDING_TRACKS, type RecordingsService } from './recordings.service.ts';

const partSchema = z.object({
  track: z.string(),
  part: z.number().int(),
  uploadId: z.string(),
  sizeBytes: z.number().int().nullable().describe('Known once the part is complete'),
  complete: z.boolean(),
});

export const recordingSchema = z
  .object({
    id: z.string(),
    mediaId: z.string(),
    status: z.enum(['recording', 'joining', 'completed', 'failed']),
    tracks: z.array(z.string()),
    recovered: z.boolean().describe('Completed by Kino as it was, after its client stopped sending'),
    uploadUrl: z
      .string()
      .describe('The tus endpoint parts are created at (Upload-Metadata recordingId, track, part)'),
    parts: z.array(partSchema),
    createdAt: timestamp,
    lastByteAt: timestamp,
    completedAt: timestamp.nullable(),
  })
  .meta({ id: 'Recording' });

const createBody = z.strictObject({
  title: z.string().trim().max(500).optional(),
  visibility: z.enum(['public', 'private']).optional(),
  tracks: z.array(z.enum(RECORDING_TRACKS)).min(1).max(3).optional(),
});

const idParams = z.object({ recordingId: z.string().max(64) });

function toRecordingJson(row: RecordingRow, parts: RecordingPartRow[], baseUrl: string) {
  return {
    id: row.id,
    mediaId: row.media_id,
    status: row.status,
    tracks: JSON.parse(row.tracks) as string[],
    recovered: row.recovered === 1,
    uploadUrl: `${baseUrl}/v1/uploads`,
    parts: parts.map((p) => ({
      track: p.track,
      part: p.part,
      uploadId: p.upload_id,
      sizeBytes: p.size,
      complete: p.completed_at !== null,
    })),
    createdAt: toIso(row.created_at),
    lastByteAt: toIso(row.last_byte_at),
    completedAt: row.completed_at === null ? null : toIso(row.completed_at),
  };
}

/**
 * Recordings (browser recorder, capture agents): create one, send its parts as tus uploads,
 * complete it. Upload keys may record: a recorder is a device that adds media.
 */
export function recordingsRoutes(deps: { recordings: RecordingsService; publicUrl?: string | undefined }) {
  return async (app: App) => {
    const tags = ['recordings'];
    const baseOf = (request: FastifyRequest) => baseUrlOf(request, deps.publicUrl);
    app.post(
      '/v1/recordings',
      {
        config: { access: 'upload' },
        schema: {
          tags,
          summary: 'Start a recording: its media waits while parts arrive',
          body: createBody,
          response: { 201: recordingSchema, ...withNotFound },
        },
      },
      async (request, reply) => {
        const row = await deps.recordings.create(tenantOf(request), request.body);
        return reply.code(201).send(toRecordingJson(row, [], baseOf(request)));
      },
    );
    app.get(
      '/v1/recordings/:recordingId',
      {
        config: { access: 'upload' },
        schema: {
          tags,
          summary: 'A recording and the parts the server has',
          params: idParams,
          response: { 200: recordingSchema, ...withNotFound },
        },
      },
      async (request) => {
        const row = await deps.recordings.get(tenantOf(request), request.params.recordingId);
        return toRecordingJson(row, await deps.recordings.parts(row.id), baseOf(request));
      },
    );
    app.post(
      '/v1/recordings/:recordingId/complete',
      {
        config: { access: 'upload' },
        schema: {
          tags,
          summary: 'End a recording: its parts are joined in order into its media',
          description:
            'A recording with no part answers 409 recording_empty. Completing a completed recording answers it as it is.',
          params: idParams,
          response: { 200: recordingSchema, ...withNotFound, 409: problemSchema },
        },
      },
      async (request) => {
        const row = await deps.recordings.complete(tenantOf(request), request.params.recordingId);
        return toRecordingJson(row, await deps.recordings.parts(row.id), baseOf(request));
      },
    );
  };
}
