import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { RecordingPartRow } from '../db/schema.ts';
import { ApiError } from '../http/problem.ts';
import type { PartPlan, RecordingsService } from '../recordings/recordings.service.ts';
import { parsePartLength, parseUploadMetadata } from './upload-metadata.ts';
import type { UploadsService } from './uploads.service.ts';

/** A creation whose Upload-Metadata names a recording: a part of it, not a media's original. */
export const isRecordingPart = (request: FastifyRequest) =>
  parseUploadMetadata(request.headers['upload-metadata'] as string | undefined).recordingId !== undefined;

/**
 * Checks a recording part's creation before tus stores a byte: recordingId, track and part named,
 * a deferred length allowed, a declared one within the tenant's upload limit, then the recording's
 * own rules (recordings.service.ts planPart).
 */
export async function planRecordingPart(
  request: FastifyRequest,
  tenantId: string,
  deps: { uploads: Pick<UploadsService, 'maxUploadBytes'>; recordings?: RecordingsService | undefined },
): Promise<PartPlan> {
  const metadata = parseUploadMetadata(request.headers['upload-metadata'] as string | undefined);
  if (!deps.recordings) throw new ApiError('not_supported', 'this server takes no recording parts');
  const { recordingId, track, part } = metadata;
  if (recordingId === undefined || track === undefined || part === undefined) {
    throw new ApiError(
      'invalid_request',
      'a recording part names recordingId, track and part in Upload-Metadata',
    );
  }
  const size = parsePartLength(
    request.headers['upload-length'] as string | undefined,
    request.headers['upload-defer-length'] as string | undefined,
  );
  const limit = await deps.uploads.maxUploadBytes(tenantId);
  if (size !== undefined && size > limit) {
    throw new ApiError('too_large', `the part is ${size} bytes; this tenant accepts up to ${limit}`, {
      limit,
    });
  }
  return deps.recordings.planPart(tenantId, { recordingId, track, part }, size);
}

/**
 * A recording part's bookkeeping once tus answered: bytes arrived (the recording is alive), or a
 * HEAD finds every byte stored but the finish unrecorded (the process stopped in between).
 */
export async function settleRecordingPart(
  recordings: Pick<RecordingsService, 'received' | 'partFinished'>,
  request: FastifyRequest,
  part: RecordingPartRow,
  response: Response,
  log: FastifyBaseLogger,
): Promise<void> {
  try {
    if (request.method === 'PATCH' && response.status === 204) await recordings.received(part);
    const length = response.headers.get('upload-length');
    if (
      request.method === 'HEAD' &&
      part.completed_at === null &&
      response.status === 200 &&
      length !== null &&
      response.headers.get('upload-offset') === length
    ) {
      await recordings.partFinished(part.upload_id, Number(length));
    }
  } catch (err) {
    log.error({ err, requestId: request.id, uploadId: part.upload_id }, 'recording part bookkeeping failed');
  }
}
