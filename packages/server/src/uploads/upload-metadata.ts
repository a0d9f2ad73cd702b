import { z } from 'zod';
import { findNul } from '../http/nul-characters.ts';
import { ApiError } from '../http/problem.ts';
import { givenTitle } from '../media/media-title.ts';

/** The Upload-Metadata keys Kino reads; others are ignored (tus clients add their own, like filetype). */
export const uploadMetadataSchema = z.object({
  filename: z.string().trim().max(500).optional(),
  title: z.string().trim().max(500).optional().transform(givenTitle),
  visibility: z.enum(['public', 'private']).optional(),
  mediaId: z.string().max(64).optional(),
  /** A part of a recording (recordings/): the recording, its track and the part's number. */
  recordingId: z.string().max(64).optional(),
  track: z.string().max(32).optional(),
  part: z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number')
    .transform(Number)
    .optional(),
});

export type UploadMetadata = z.infer<typeof uploadMetadataSchema>;

/**
 * Decodes a tus Upload-Metadata header ("key base64,key2 base64") into validated fields.
 * Throws a 400 ApiError naming the bad key.
 */
export function parseUploadMetadata(header: string | undefined): UploadMetadata {
  const raw: Record<string, string> = {};
  for (const pair of (header ?? '').split(',')) {
    const trimmed = pair.trim();
    if (!trimmed) continue;
    const [key, value, ...rest] = trimmed.split(' ');
    if (!key || rest.length > 0 || (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value))) {
      throw new ApiError(
        'invalid_request',
        `Upload-Metadata: '${trimmed.slice(0, 40)}' is not "key base64value"`,
      );
    }
    raw[key] = value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
  }
  const parsed = uploadMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      'invalid_request',
      `Upload-Metadata ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
    );
  }
  const nul = findNul(parsed.data);
  if (nul !== undefined) {
    throw new ApiError('invalid_request', `Upload-Metadata ${nul.slice(1)}: must not contain U+0000`);
  }
  return parsed.data;
}

/**
 * The length of a recording part's creation: Upload-Length, or undefined with
 * `Upload-Defer-Length: 1` (a recorder does not know how long it will record).
 */
export function parsePartLength(length: string | undefined, defer: string | undefined): number | undefined {
  if (length === undefined && defer === '1') return undefined;
  if (length !== undefined && defer !== undefined) {
    throw new ApiError('invalid_request', 'send Upload-Length or Upload-Defer-Length: 1, not both');
  }
  return parseUploadLength(length);
}

/** Reads an Upload-Length header; throws 400 for anything but a non-negative integer. */
export function parseUploadLength(header: string | undefined): number {
  if (header === undefined) {
    throw new ApiError('invalid_request', 'Upload-Length is required (deferred lengths are not supported)');
  }
  if (!/^\d{1,16}$/.test(header))
    throw new ApiError('invalid_request', 'Upload-Length must be a whole number');
  return Number(header);
}
