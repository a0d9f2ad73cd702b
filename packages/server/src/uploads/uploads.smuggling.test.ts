import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type RawAnswer } from '../../test/raw-http.ts';
import { UPLOAD_BACKENDS, startUploadKino, type UploadKino } from '../../test/upload-kino.ts';

// Requests whose path Kino authorises as one upload while the URL, re-read by tus, names another.

const TUS = { 'tus-resumable': '1.0.0' };
const OCTETS = { 'content-type': 'application/offset+octet-stream' };
const SECRET_NAME = 'board-minutes-secret.mp4';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const VICTIM_SIZE = 1000;
const VICTIM_SENT = 100;

/** An upload the attacker may reach: its path, the path it sits below, and the credentials. */
interface Route {
  base: string;
  own: string;
  auth: Record<string, string>;
}

/**
 * Ways to write a request target that Kino's router reads as `own` (or as nothing) while the
 * last `/` segment of the whole URL, or its normalised form, is the victim's id.
 */
const SHAPES: [string, (own: string, base: string, victim: string) => string][] = [
  ['a query string ending in the id', (own, _base, v) => `${own}?x=/${v}`],
  ['a bare query string', (own, _base, v) => `${own}?/${v}`],
  ['a query string with a trailing slash', (own, _base, v) => `${own}?x=/${v}/`],
  ['an encoded slash in the query string', (own, _base, v) => `${own}?x=%2F${v}`],
  ['a fragment', (own, _base, v) => `${own}#/${v}`],
  ['a semicolon', (own, _base, v) => `${own};/${v}`],
  ['a trailing segment', (own, _base, v) => `${own}/${v}`],
  ['an extra slash', (own, _base, v) => `${own}//${v}`],
  ['an encoded slash', (own, _base, v) => `${own}%2F${v}`],
  ['a dot segment', (own, _base, v) => `${own}/../${v}`],
  ['an encoded dot segment', (own, _base, v) => `${own}/%2e%2e/${v}`],
  ['a backslash dot segment', (own, _base, v) => `${own}\\..\\${v}`],
  ['an absolute-form target', (own, _base, v) => `http://kino.test${own}?x=/${v}`],
  [
    'an absolute-form target with a dot segment',
    (own, base, v) => `http://kino.test${base}/${v}/..${own.slice(base.length)}`,
  ],
  ['the id in place of its own', (_own, base, v) => `${base}/${v}`],
  ['the id then a dot segment back to its own', (own, base, v) => `${base}/${v}/..${own.slice(base.length)}`],
];

describe.each(UPLOAD_BACKENDS)(
  'upload URLs that name another upload than the one authorised, on %s',
  (backend) => {
    let k: UploadKino;
    let attacker: { id: string; key: string };
    let victim: { id: string; key: string };

    const send = (method: string, target: string, headers: Record<string, string> = {}, body?: Buffer) =>
      rawRequest(k.baseUrl, method, target, { ...TUS, ...headers }, body);
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    const idOf = (location: string | string[] | undefined) => String(location).split('/').pop() ?? '';

    const createUpload = async (key: string, size: number) => {
      const res = await send('POST', '/v1/uploads', {
        ...bearer(key),
        'upload-length': String(size),
        'upload-metadata': `filename ${b64(SECRET_NAME)}`,
      });
      expect(res.status, res.body).toBe(201);
      return idOf(res.headers.location);
    };

    /** An upload in progress of `key`'s tenant: 100 of its 1000 bytes are stored. */
    const victimUpload = async (key = victim.key) => {
      const id = await createUpload(key, VICTIM_SIZE);
      const data = randomBytes(VICTIM_SIZE);
      const sent = await send(
        'PATCH',
        `/v1/uploads/${id}`,
        { ...bearer(key), ...OCTETS, 'upload-offset': '0' },
        data.subarray(0, VICTIM_SENT),
      );
      expect(sent.status, sent.body).toBe(204);
      return { id, data, key };
    };

    /** Nothing of the victim's upload in an answer meant for the attacker. */
    const expectNothingLeaked = (res: RawAnswer) => {
      expect(res.headers['upload-offset']).toBeUndefined();
      expect(res.headers['upload-length']).toBeUndefined();
      expect(res.headers['upload-metadata']).toBeUndefined();
      expect(res.body).not.toContain(b64(SECRET_NAME));
    };

    /** The victim's upload is as it left it: there, 100 bytes in, and it finishes with its own bytes. */
    const expectUntouched = async (upload: { id: string; data: Buffer; key: string }) => {
      const probe = await send('HEAD', `/v1/uploads/${upload.id}`, bearer(upload.key));
      expect(probe.status).toBe(200);
      expect(probe.headers['upload-offset']).toBe(String(VICTIM_SENT));
      expect(probe.headers['upload-length']).toBe(String(VICTIM_SIZE));
      expect(probe.headers['upload-metadata']).toContain(b64(SECRET_NAME));
      const row = await k.kino.database.db
        .selectFrom('uploads')
        .selectAll()
        .where('id', '=', upload.id)
        .executeTakeFirst();
      expect(row?.completed_at).toBeNull();
      const rest = await send(
        'PATCH',
        `/v1/uploads/${upload.id}`,
        { ...bearer(upload.key), ...OCTETS, 'upload-offset': String(VICTIM_SENT) },
        upload.data.subarray(VICTIM_SENT),
      );
      expect(rest.status, rest.body).toBe(204);
      const stored = await k.kino.storage.get(upload.id);
      expect(Buffer.concat((await stored.body.toArray()) as Buffer[]).equals(upload.data)).toBe(true);
    };

    /** Every tus verb at `target`, as the attacker: each is refused and says nothing of the victim. */
    const attack = async (target: string, auth: Record<string, string>) => {
      const bytes = randomBytes(50);
      const answers = [
        await send('HEAD', target, auth),
        await send('PATCH', target, { ...auth, ...OCTETS, 'upload-offset': String(VICTIM_SENT) }, bytes),
        await send('DELETE', target, auth),
      ];
      for (const res of answers) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expectNothingLeaked(res);
      }
    };

    /** A fresh upload of the attacker's reached with its key, its path and the path it sits below. */
    const keyedRoute = async (): Promise<Route> => {
      const id = await createUpload(attacker.key, 10);
      return { base: '/v1/uploads', own: `/v1/uploads/${id}`, auth: bearer(attacker.key) };
    };
    /** A fresh upload of the attacker's through a one-time URL, reached with no key. */
    const directRoute = async (): Promise<Route> => {
      const made = await fetch(`${k.baseUrl}/v1/upload-urls`, {
        method: 'POST',
        headers: { ...bearer(attacker.key), 'content-type': 'application/json' },
        body: '{}',
      });
      const base = new URL(((await made.json()) as { url: string }).url).pathname;
      const created = await send('POST', base, { 'upload-length': '10' });
      expect(created.status, created.body).toBe(201);
      return { base, own: `${base}/${idOf(created.headers.location)}`, auth: {} };
    };

    beforeAll(async () => {
      k = await startUploadKino(backend);
      attacker = await k.tenant('attacker');
      victim = await k.tenant('victim');
    });
    afterAll(() => k.close());

    describe.each([
      ['with a tenant key at /v1/uploads', () => keyedRoute()],
      ['with a one-time upload URL and no key', () => directRoute()],
    ])('%s', (_route, route) => {
      it.each(SHAPES)(
        "HEAD, PATCH and DELETE through %s never reach another tenant's upload",
        async (_shape, shape) => {
          const { base, own, auth } = await route();
          const upload = await victimUpload();
          await attack(shape(own, base, upload.id), auth);
          await expectUntouched(upload);
        },
      );

      it.each(SHAPES.slice(0, 5))(
        'a creation with %s creates nothing in, nor answers anything of, another upload',
        async (_shape, shape) => {
          const { base, auth } = await route();
          const upload = await victimUpload();
          const bytes = randomBytes(50);
          const headers = { ...auth, ...OCTETS, 'upload-length': String(VICTIM_SIZE) };
          const created = await send('POST', shape(base, base, upload.id), headers, bytes);
          expect(created.status).toBeGreaterThanOrEqual(400);
          expectNothingLeaked(created);
          const atId = await send('POST', `${base}/${upload.id}`, headers, bytes);
          expect(atId.status).toBeGreaterThanOrEqual(400);
          expectNothingLeaked(atId);
          await expectUntouched(upload);
        },
      );

      it('discovery at any shape of URL says nothing about an upload', async () => {
        const { base, own } = await route();
        const upload = await victimUpload();
        for (const [, shape] of SHAPES) {
          const res = await send('OPTIONS', shape(own, base, upload.id), {
            origin: 'https://app.example.com',
          });
          expectNothingLeaked(res);
        }
        await expectUntouched(upload);
      });

      it('refuses a query string even on its own upload with 400 invalid_request', async () => {
        const { own, auth } = await route();
        for (const method of ['HEAD', 'DELETE']) {
          const res = await send(method, `${own}?cache=1`, auth);
          expect(res.status).toBe(400);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        }
        const res = await send(
          'PATCH',
          `${own}?cache=1`,
          { ...auth, ...OCTETS, 'upload-offset': '0' },
          randomBytes(5),
        );
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body)).toMatchObject({ code: 'invalid_request' });
        // Still there, with nothing written.
        const probe = await send('HEAD', own, auth);
        expect(probe.status).toBe(200);
        expect(probe.headers['upload-offset']).toBe('0');
        // The absolute form of the same URL is still HTTP/1.1 and reaches the same upload.
        const absolute = await send('HEAD', `http://kino.test${own}`, auth);
        expect(absolute.status).toBe(200);
        expect(absolute.headers['upload-length']).toBe('10');
      });
    });

    it("a one-time URL reaches no other upload of its own tenant, whatever the URL's shape", async () => {
      const upload = await victimUpload(attacker.key);
      for (const [, shape] of SHAPES) {
        const direct = await directRoute();
        await attack(shape(direct.own, direct.base, upload.id), {});
      }
      const direct = await directRoute();
      // The victim's id in the token's place names no upload URL.
      await attack(`/v1/direct-uploads/${upload.id}/${direct.own.split('/').pop() ?? ''}`, {});
      await expectUntouched(upload);
    });

    it('answers a Location below the endpoint Kino chose, whatever Host or forwarding headers say', async () => {
      const res = await send('POST', '/v1/uploads', {
        ...bearer(attacker.key),
        'upload-length': '10',
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        forwarded: 'host=evil.example;proto=https',
      });
      expect(res.status, res.body).toBe(201);
      expect(res.headers.location).toMatch(/^\/v1\/uploads\/upl_[0-9a-z]{26}$/);
    });
  },
);
