import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { findNul, nulRefused } from '../http/nul-characters.ts';
import { ApiError } from '../http/problem.ts';
import type { Storage } from '../storage/storage.ts';
import { mediaFieldsSchema, type MediaFields } from './media.schemas.ts';
import type { StoredOriginal } from './lifecycle/media-lifecycle.ts';

/** The largest file a form upload takes (100 MB, decimal); larger files go through tus. */
export const FORM_MAX_BYTES = 100_000_000;
/** Room for the form's boundaries, headers and text fields on top of the file. */
const FORM_OVERHEAD_BYTES = 1024 * 1024;

export interface MediaForm {
  fields: MediaFields;
  original: Omit<StoredOriginal, 'tenantId' | 'mediaId'>;
}

/**
 * Reads a `multipart/form-data` request: streams its one file part into storage under `key`
 * (never holding it whole in memory) and validates its text fields (title, description,
 * visibility, tags) like the JSON body. Fields may come before or after the file. On any
 * refusal nothing stays stored.
 *
 * @example const { fields, original } = await receiveMediaForm(request, { storage, key: newId('upl'), maxBytes });
 */
export async function receiveMediaForm(
  request: FastifyRequest,
  opts: { storage: Storage; key: string; maxBytes: number },
): Promise<MediaForm> {
  const { storage, key, maxBytes } = opts;
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > maxBytes + FORM_OVERHEAD_BYTES) throw tooLarge(maxBytes);

  const values = new Map<string, string[]>();
  let original: MediaForm['original'] | undefined;
  try {
    // One byte over the limit reaches the guard below, which refuses it; busboy drops the rest.
    const parts = request.parts({
      limits: { fileSize: maxBytes + 1, fieldSize: 64 * 1024, fields: 50, parts: 60 },
    });
    for await (const part of parts) {
      if (findNul([part.fieldname, part.type === 'file' ? part.filename : part.value]) !== undefined) {
        if (part.type === 'file') part.file.resume();
        throw nulRefused('body', `/${part.fieldname}`);
      }
      if (part.type === 'file') {
        if (original) {
          part.file.resume();
          throw new ApiError('invalid_request', 'send one file per form');
        }
        original = await storeFile(part, storage, key, maxBytes);
      } else {
        if (part.valueTruncated || typeof part.value !== 'string') {
          throw new ApiError('invalid_request', `the form field '${part.fieldname}' is not a short text`);
        }
        values.set(part.fieldname, [...(values.get(part.fieldname) ?? []), part.value]);
      }
    }
    if (!original) {
      throw new ApiError('invalid_request', "the form has no file: send it as a file field named 'file'");
    }
    return { fields: parseFields(values), original };
  } catch (err) {
    if (original) await storage.delete(key);
    throw asClientError(err);
  }
}

async function storeFile(
  part: MultipartFile,
  storage: Storage,
  key: string,
  maxBytes: number,
): Promise<MediaForm['original']> {
  const guard = new SizeGuard(maxBytes);
  let unreadable: Error | undefined;
  part.file.once('error', (err: Error) => {
    unreadable = err;
  });
  try {
    const [stored] = await Promise.all([
      storage.put(key, guard, { sha256: true }),
      pipeline(part.file, guard),
    ]);
    if (stored.size === 0) {
      await storage.delete(key);
      throw new ApiError('invalid_request', 'the file is empty');
    }
    return { key, size: stored.size, sha256: stored.sha256, filename: part.filename || null };
  } catch (err) {
    if (guard.exceeded) throw tooLarge(maxBytes);
    if (unreadable) throw new ApiError('invalid_request', `the form ended early: ${unreadable.message}`);
    throw err;
  }
}

/** Fails the stream once more than `maxBytes` went through. */
class SizeGuard extends Transform {
  private bytes = 0;
  exceeded = false;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.exceeded = true;
      callback(tooLarge(this.maxBytes));
      return;
    }
    callback(null, chunk);
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(
    'too_large',
    `the file is larger than ${maxBytes} bytes, the most a form accepts here`,
    {
      limit: maxBytes,
    },
  );
}

/** Text fields as the JSON body would have them: one value each, `tags` repeated or comma-separated. */
function parseFields(values: Map<string, string[]>): MediaFields {
  const body: Record<string, unknown> = {};
  for (const [name, list] of values) {
    if (name === 'tags') {
      body.tags = list.flatMap((v) => v.split(',')).filter((t) => t.trim() !== '');
    } else if (list.length > 1) {
      throw new ApiError('invalid_request', `the form field '${name}' is given more than once`);
    } else {
      body[name] = list[0];
    }
  }
  const parsed = mediaFieldsSchema.safeParse(body);
  if (!parsed.success) throw invalidFields(parsed.error);
  return parsed.data;
}

function invalidFields(error: z.ZodError): ApiError {
  const errors = error.issues.map((issue) => ({
    in: 'body',
    path: `/${issue.path.join('/')}`,
    message: issue.message,
  }));
  const first = errors[0];
  return new ApiError('invalid_request', first ? `body ${first.path}: ${first.message}` : 'invalid form', {
    errors,
  });
}

/** The parser's own complaints (a malformed form, a form with too many parts) are the client's. */
function asClientError(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_FILES_LIMIT') {
    return new ApiError('invalid_request', 'the form has too many fields');
  }
  if (err instanceof Error && /multipart|form/i.test(err.message)) {
    return new ApiError('invalid_request', `the form could not be read: ${err.message}`);
  }
  return err;
}
