import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, type ConsoleSession } from '../../test/console-session.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';

// tus requests are handed to @tus/server on the raw socket, so this runs over a real port.
describe('tus uploads from the console (session cookie + X-CSRF-Token)', () => {
  let kino: TestKino;
  let base: string;
  let editor: ConsoleSession;
  let viewer: ConsoleSession;

  beforeAll(async () => {
    kino = await startTestKino('sqlite');
    await kino.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(kino.app.server.address() as AddressInfo).port}`;
    const { id } = await kino.tenant('uploads');
    for (const [email, role] of [
      ['editor@up.test', 'editor'],
      ['viewer@up.test', 'viewer'],
    ]) {
      await kino.call(OPERATOR_KEY, 'POST', `/v1/users?tenantId=${id}`, {
        email,
        role,
        password: 'long enough 123',
      });
    }
    editor = await login(kino, 'editor@up.test', 'long enough 123');
    viewer = await login(kino, 'viewer@up.test', 'long enough 123');
  });
  afterAll(() => kino.close());

  const tus = (
    session: ConsoleSession,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Buffer,
  ) =>
    fetch(`${base}${path}`, {
      method,
      headers: { 'tus-resumable': '1.0.0', cookie: session.cookie, origin: base, ...headers },
      ...(body && { body }),
    });

  it('creates, resumes and finishes an upload with the cookie, and refuses one without the token', async () => {
    const create = {
      'upload-length': '5',
      'upload-metadata': `filename ${Buffer.from('a.mp4').toString('base64')}`,
    };
    const refused = await tus(editor, 'POST', '/v1/uploads', create);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'csrf_failed' });

    const created = await tus(editor, 'POST', '/v1/uploads', { ...create, 'x-csrf-token': editor.csrfToken });
    expect(created.status).toBe(201);
    const path = new URL(created.headers.get('location') ?? '', `${base}/v1/uploads/`).pathname;

    const head = await tus(editor, 'HEAD', path, {});
    expect(head.headers.get('upload-offset')).toBe('0');
    const patch = (token: string) =>
      tus(
        editor,
        'PATCH',
        path,
        { 'content-type': 'application/offset+octet-stream', 'upload-offset': '0', 'x-csrf-token': token },
        Buffer.from('hello'),
      );
    expect((await patch('wrong')).status).toBe(403);
    expect((await patch(editor.csrfToken)).status).toBe(204);
  });

  it('refuses uploads to a viewer', async () => {
    const res = await tus(viewer, 'POST', '/v1/uploads', {
      'upload-length': '5',
      'x-csrf-token': viewer.csrfToken,
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'insufficient_role' });
  });
});
