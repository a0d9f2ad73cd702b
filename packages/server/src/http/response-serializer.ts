import { isDeepStrictEqual } from 'node:util';
import type { FastifySchema, FastifySerializerCompiler } from 'fastify';
import fastJson from 'fast-json-stringify';
import { createSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;
type Serialize = (data: unknown) => string;

const zodSerializerCompiler = createSerializerCompiler({});

/** Keywords fast-json-stringify needs to write a value; the rest only validate (zod does that). */
const DROPPED = new Set(['$schema', 'description', 'format', 'pattern', 'minimum', 'maximum', 'examples']);

/**
 * The schema with `anyOf: [X, {type: 'null'}]` (zod's nullable of anything but a plain type) turned
 * into `X` with `type: [X's type, 'null']`, X's `$ref` into the definitions inlined first:
 * fast-json-stringify picks an anyOf branch by running a validator over the value, but checks a
 * list of types with typeof. Also drops the keywords that only validate (`format: date-time`
 * would make it write strings unescaped).
 */
export function simplified(schema: unknown): unknown {
  const root = schema as JsonSchema;
  const definitions = { ...(root.definitions as JsonSchema), ...(root.$defs as JsonSchema) };
  const walk = (node: unknown, inlining: ReadonlySet<string>): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, inlining));
    if (typeof node !== 'object' || node === null) return node;
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (DROPPED.has(key)) continue;
      // Property names are data, not keywords: a property called "format" is kept.
      out[key] =
        key === 'properties' || key === 'definitions' || key === '$defs'
          ? Object.fromEntries(
              Object.entries(value as JsonSchema).map(([name, sub]) => [name, walk(sub, inlining)]),
            )
          : walk(value, inlining);
    }
    const anyOf = out.anyOf;
    if (!Array.isArray(anyOf) || anyOf.length !== 2) return out;
    const nullAt = anyOf.findIndex(isNullSchema);
    if (nullAt === -1) return out;
    let other = anyOf[1 - nullAt] as JsonSchema;
    const ref = typeof other.$ref === 'string' ? REF.exec(other.$ref)?.[1] : undefined;
    if (ref !== undefined && Object.keys(other).length === 1) {
      // A schema that contains itself stays a reference.
      if (inlining.has(ref) || definitions[ref] === undefined) return out;
      other = walk(definitions[ref], new Set([...inlining, ref])) as JsonSchema;
    }
    if (typeof other.type !== 'string' || other.anyOf !== undefined) return out;
    const { anyOf: _, ...rest } = out;
    return { ...rest, ...other, type: [other.type, 'null'] };
  };
  return walk(schema, new Set());
}

const REF = /^#\/(?:definitions|\$defs)\/(.+)$/;

const isNullSchema = (s: unknown) =>
  typeof s === 'object' && s !== null && (s as JsonSchema).type === 'null' && Object.keys(s).length === 1;

/**
 * A fast-json-stringify serializer for a zod response schema, or undefined when the schema has
 * what JSON Schema cannot say (transforms, dates, codecs): those keep zod's serializer.
 */
export function fastSerializer(schema: z.ZodType): Serialize | undefined {
  let json: unknown;
  try {
    json = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'throw' });
  } catch {
    return undefined;
  }
  return fastJson(simplified(json) as Parameters<typeof fastJson>[0]);
}

/**
 * Fastify's response serializer compiler for zod schemas. Responses are written by
 * fast-json-stringify from the schema's JSON Schema, without validating them first (zod's
 * serializer parsed every response, then called JSON.stringify). With `check`, as in tests and
 * development, zod's serializer runs as before and its answer is sent, and the fast one must
 * produce the same JSON or the request fails: a handler returning what the schema does not allow,
 * or a schema the fast path would write differently, shows up there.
 */
export function responseSerializerCompiler(opts: {
  check: boolean;
}): FastifySerializerCompiler<FastifySchema> {
  return (route) => {
    const viaZod = zodSerializerCompiler(route as Parameters<typeof zodSerializerCompiler>[0]);
    const schema = route.schema;
    const fast = schema instanceof z.ZodType ? fastSerializer(schema) : undefined;
    if (!fast) return viaZod;
    if (!opts.check) return fast;
    return (data) => {
      const expected = viaZod(data);
      const written = fast(data);
      if (written !== expected && !isDeepStrictEqual(JSON.parse(written), JSON.parse(expected))) {
        throw new Error(
          `${route.method} ${route.url} ${route.httpStatus}: the fast serializer wrote ${written.slice(0, 500)} ` +
            `where zod wrote ${expected.slice(0, 500)}`,
        );
      }
      return expected;
    };
  };
}
