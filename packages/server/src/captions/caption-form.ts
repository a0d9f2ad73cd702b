import type { FastifyRequest } from 'fastify';
import { findNul, nulRefused } from '../http/nul-characters.ts';
import type { z } from 'zod';
import { ApiError } from '../http/problem.ts';
import { MAX_CAPTION_BYTES } from './captions.schemas.ts';

/** What a caption form holds: its one file, if any, and its text fields as the JSON body has them. */
export interface CaptionForm {
  file: Buffer | null;
  fields: Record<string, unknown>;
}

const tooLarge = () =>
  new ApiError('too_large', `a caption file is at most ${MAX_CAPTION_BYTES} bytes`, {
    limit: MAX_CAPTION_BYTES,
  });

/** Form values are text; `default` is a checkbox-like flag. */
function fieldValue(name: string, value: string): unknown {
  if (name !== 'default') return value;
  if (/^(?:true|1|on|yes)$/i.test(value)) return true;
  if (/^(?:false|0|off|no)$/i.test(value)) return false;
  return value;
}

/**
 * Reads a `multipart/form-data` caption upload: at most one file part (held in memory, at most
 * MAX_CAPTION_BYTES) and short text fields (language, label, kind, default, format).
 */
export async function receiveCaptionForm(request: FastifyRequest): Promise<CaptionForm> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > MAX_CAPTION_BYTES + 64 * 1024) throw tooLarge();
  const fields: Record<string, unknown> = {};
  let file: Buffer | null = null;
  try {
    const parts = request.parts({
      limits: { fileSize: MAX_CAPTION_BYTES + 1, fieldSize: 4096, fields: 20, parts: 21 },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (bytes.length > MAX_CAPTION_BYTES || part.file.truncated) throw tooLarge();
        if (file) throw new ApiError('invalid_request', 'send one file per form');
        file = bytes;
      } else {
        if (part.valueTruncated || typeof part.value !== 'string') {
          throw new ApiError('invalid_request', `the form field '${part.fieldname}' is not a short text`);
        }
        // Text that PostgreSQL cannot store: the same 400 as the JSON body's (http/nul-characters.ts).
        if (findNul(part.value) !== undefined || findNul(part.fieldname) !== undefined) {
          throw nulRefused('body', `/${part.fieldname}`);
        }
        if (part.fieldname in fields) {
          throw new ApiError('invalid_request', `the form field '${part.fieldname}' is given more than once`);
        }
        fields[part.fieldname] = fieldValue(part.fieldname, part.value);
      }
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const code = (err as { code?: unknown }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    if (typeof code === 'string' && code.startsWith('FST_')) {
      throw new ApiError('invalid_request', `the form could not be read: ${(err as Error).message}`);
    }
    throw err;
  }
  return { file, fields };
}

/** Form fields checked by the schema of the JSON body, with the same kind of 400. */
export function parseFormFields<S extends z.ZodType>(schema: S, fields: Record<string, unknown>): z.infer<S> {
  const parsed = schema.safeParse(fields);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    in: 'body',
    path: `/${issue.path.join('/')}`,
    message: issue.message,
  }));
  const first = errors[0];
  throw new ApiError('invalid_request', first ? `body ${first.path}: ${first.message}` : 'invalid form', {
    errors,
  });
}
