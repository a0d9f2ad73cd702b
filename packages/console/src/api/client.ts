/** An API answer that was not 2xx: its problem+json `detail` is what people see. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    /** The whole problem document, for the fields some codes add (tenant_required's tenants). */
    readonly problem: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

let csrfToken = '';
let onUnauthorized: () => void = () => undefined;

/** The session's CSRF token, sent with every request that changes something. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export function getCsrfToken(): string {
  return csrfToken;
}

/** What happens when the session has ended (401 on a request made while logged in). */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

const SAFE = new Set(['GET', 'HEAD']);

interface Problem {
  title?: string;
  detail?: string;
  code?: string;
}

/**
 * Calls Kino's API with the session cookie. Throws ApiError with the problem's `detail` on any
 * non-2xx answer; resolves to undefined for 204. A FormData body goes as `multipart/form-data`
 * (files), anything else as JSON.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const form = body instanceof FormData;
  // The browser sets a form's content type itself, with its boundary.
  if (body !== undefined && !form) headers['content-type'] = 'application/json';
  if (!SAFE.has(method)) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? null : form ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'Kino cannot be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!res.ok) {
    let problem: Problem = {};
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      // Not problem+json (a proxy's error page): the status line is all there is to say.
    }
    const error = new ApiError(
      res.status,
      problem.code ?? 'http_error',
      problem.detail ?? problem.title ?? `${res.status} ${res.statusText}`,
      problem as Record<string, unknown>,
    );
    if (res.status === 401 && !path.startsWith('/v1/auth/')) onUnauthorized();
    throw error;
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = (path: string) => api<undefined>('DELETE', path);

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
