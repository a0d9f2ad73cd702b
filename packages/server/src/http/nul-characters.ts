import type { FastifyRequest } from 'fastify';
import { ApiError } from './problem.ts';

const NUL = '\u0000';

/** Objects of parsed JSON and query strings (the query parser's have a prototype without one). */
const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
};

const pointerPart = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Where a string in `value` (or an object key) holds U+0000, as a JSON pointer ('/' for `value`
 * itself; a key's object for a key); undefined when none does. Walks plain objects, arrays and
 * strings only, without recursion, so no nesting depth overflows the stack.
 *
 * @example findNul({ tags: ['ok', 'b\u0000'] }) // '/tags/1'
 */
export function findNul(value: unknown): string | undefined {
  const pending: [unknown, string][] = [[value, '']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === 'string') {
      if (item.includes(NUL)) return path || '/';
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], `${path}/${i}`]);
    } else if (isPlainObject(item)) {
      for (const [key, child] of Object.entries(item).reverse()) {
        if (key.includes(NUL)) return path || '/';
        pending.push([child, `${path}/${pointerPart(key)}`]);
      }
    }
  }
  return undefined;
}

/** The 400 for a NUL character, shaped like a schema validation error. */
export function nulRefused(where: string, path: string): ApiError {
  const message = 'must not contain the NUL character (U+0000)';
  return new ApiError('invalid_request', `${where} ${path}: ${message}`, {
    errors: [{ in: where, path, message }],
  });
}

/**
 * A preValidation hook refusing U+0000 anywhere in path parameters, the query string and a parsed
 * body: no text Kino stores or searches may hold it (PostgreSQL text cannot), and no client needs it.
 */
export async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  const parts: [string, unknown][] = [
    ['params', request.params],
    ['querystring', request.query],
    ['body', request.body],
  ];
  for (const [where, value] of parts) {
    const path = findNul(value);
    if (path !== undefined) throw nulRefused(where, path);
  }
}
