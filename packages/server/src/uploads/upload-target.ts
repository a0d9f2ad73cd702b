import { z } from 'zod';
import { ApiError } from '../http/problem.ts';

/** An upload id in a path: only characters no URL parser decodes, splits or rewrites. */
export const uploadIdParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/)
  .describe('the id at the end of the Location the creation answered');

/**
 * Refuses an upload request whose target is not exactly `path`, the path Kino routed and
 * authorised. tus reads the upload id again from the whole URL (its last `/` segment, query
 * string and fragment included, after resolving dot segments), so any other spelling of the
 * same route could name another upload than the one checked.
 */
export function assertPlainTarget(target: string, path: string): void {
  // The absolute form (`http://host/v1/uploads/...`) is still HTTP/1.1; its origin names no upload.
  const local = target.replace(/^https?:\/\/[^/?#]*/i, '');
  if (local === path) return;
  if (/[?#]/.test(local)) {
    throw new ApiError('invalid_request', 'upload URLs take no query string or fragment');
  }
  throw new ApiError('invalid_request', 'write the upload URL as answered, without percent-encoding');
}
