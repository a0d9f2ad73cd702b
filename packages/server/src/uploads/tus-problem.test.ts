import { describe, expect, it } from 'vitest';
import { asProblemResponse } from './tus-problem.ts';

const problemOf = async (status: number, text: string) => {
  const res = await asProblemResponse(
    new Response(text, { status, headers: { 'Tus-Resumable': '1.0.0' } }),
    'req-1',
  );
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
};

describe("tus's plain-text refusals as problem+json", () => {
  it('answers an extension tus does not offer as 501 not_supported, with its reason', async () => {
    const text =
      'Concatenation extension is not (yet) supported. Disable parallel uploads in the tus client.\n';
    const { status, headers, body } = await problemOf(501, text);
    expect(status).toBe(501);
    expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(headers.get('tus-resumable')).toBe('1.0.0');
    expect(body).toMatchObject({
      status: 501,
      code: 'not_supported',
      detail: text.trim(),
      requestId: 'req-1',
    });
  });

  it('keeps other failures of the server hidden as 500 internal_error', async () => {
    const { status, body } = await problemOf(500, 'ENOSPC: no space left on /secret/path');
    expect(status).toBe(500);
    expect(body).toMatchObject({ code: 'internal_error', detail: 'something went wrong on our side' });
  });

  it('answers a missing Upload-Offset (tus says 403) as the 400 it is', async () => {
    const { status, body } = await problemOf(403, 'Upload-Offset header required');
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('passes answers that are not refusals through untouched', async () => {
    const ok = new Response(null, { status: 204 });
    expect(await asProblemResponse(ok, 'req-1')).toBe(ok);
  });
});
