import type { FastifySchema } from 'fastify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { createSerializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mediaSchema, type MediaJson } from '../media/media.schemas.ts';
import { fastSerializer, responseSerializerCompiler, simplified } from './response-serializer.ts';

const route = (schema: z.ZodType): FastifyRouteSchemaDef<FastifySchema> => ({
  schema: schema,
  method: 'GET',
  url: '/x',
  httpStatus: '200',
});
const viaZod = (schema: z.ZodType) =>
  createSerializerCompiler({})(route(schema) as Parameters<ReturnType<typeof createSerializerCompiler>>[0]);

// Fields this fixture does not name are null (nullable fields the media schema gains later).
const media = (overrides: Partial<MediaJson> = {}): MediaJson => ({
  ...(Object.fromEntries(Object.keys(mediaSchema.shape).map((key) => [key, null])) as Record<string, null>),
  id: 'med_1',
  title: 'A "quoted" title \u2028 with a line separator, </script> and ünïcode',
  description: '',
  tags: ['a', 'b'],
  visibility: 'public',
  status: 'ready',
  playable: true,
  durationSeconds: 12.5,
  width: 1920,
  height: null,
  renditions: [{ kind: 'audio', width: null, height: null, bitrate: 128_000, codec: 'aac' }],
  loudnessLufs: -14.2,
  normalizeLoudness: false,
  playback: {
    hls: 'http://h/play/med_1/master.m3u8',
    dash: 'http://h/play/med_1/manifest.mpd',
    mp4: null,
    poster: 'http://h/play/med_1/poster.jpg',
    storyboard: null,
    embed: 'http://h/embed/med_1',
  },
  error: null,
  recovered: false,
  liveStreamId: null,
  live: { status: 'ended' },
  original: { tier: 'cold', since: '2026-12-07T10:00:00.000Z' },
  createdAt: '2026-12-07T10:00:00.000Z',
  updatedAt: '2026-12-07T10:00:01.000Z',
  ...overrides,
});

describe('responseSerializerCompiler', () => {
  const page = z.object({ items: z.array(mediaSchema), nextCursor: z.string().nullable() });

  it('writes the same JSON as zod for media, nulls and nested objects included', () => {
    const fast = fastSerializer(page);
    const data = {
      items: [media(), media({ playback: null, live: null, error: { code: 'x', message: 'y' } })],
      nextCursor: null,
    };
    expect(fast?.(data)).toBe(viaZod(page)(data));
  });

  it('leaves out properties the schema does not have, as zod does', () => {
    const schema = z.object({ id: z.string() });
    const serialize = responseSerializerCompiler({ check: false })(route(schema));
    expect(serialize({ id: 'a', secret_hash: 'never sent' })).toBe('{"id":"a"}');
  });

  it('keeps zod for what JSON Schema cannot say (dates)', () => {
    const schema = z.object({ at: z.date() });
    expect(fastSerializer(schema)).toBeUndefined();
    const serialize = responseSerializerCompiler({ check: false })(route(schema));
    expect(serialize({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });

  it('when checking, refuses a response its schema does not allow', () => {
    const serialize = responseSerializerCompiler({ check: true })(route(page));
    expect(() => serialize({ items: [{ ...media(), status: 'lost' }], nextCursor: null })).toThrow();
    expect(serialize({ items: [], nextCursor: 'c' })).toBe('{"items":[],"nextCursor":"c"}');
  });

  it('turns nullable references and plain types into type lists, and drops format', () => {
    const schema = simplified({
      type: 'object',
      properties: {
        at: { type: 'string', format: 'date-time' },
        n: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'null' }] },
        p: { anyOf: [{ $ref: '#/definitions/P' }, { type: 'null' }] },
        format: { type: 'string' },
      },
      definitions: { P: { type: 'object', properties: { a: { type: 'string' } } } },
    });
    expect(schema).toMatchObject({
      properties: {
        at: { type: 'string' },
        n: { type: ['integer', 'null'] },
        p: { type: ['object', 'null'], properties: { a: { type: 'string' } } },
        format: { type: 'string' },
      },
    });
    expect(JSON.stringify(schema)).not.toContain('date-time');
  });
});
