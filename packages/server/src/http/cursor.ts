import { z } from 'zod';
import type { Cursor } from '../db/keyset.ts';
import { ApiError } from './problem.ts';

const cursorSchema = z.object({ t: z.number().int().nonnegative(), i: z.string().min(1).max(64) });

/** The `cursor` of the API's lists: a keyset position (db/keyset.ts), opaque to clients. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ t: c.createdAt, i: c.id })).toString('base64url');
}

export function decodeCursor(value: string): Cursor {
  try {
    const parsed = cursorSchema.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return { createdAt: parsed.t, id: parsed.i };
  } catch {
    throw new ApiError('invalid_request', 'cursor is not one this API returned');
  }
}

/** A page of `limit` items from `limit + 1` fetched rows, with the cursor for the next page. */
export function toPage<T extends { created_at: number; id: string }>(
  rows: T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rows.length > limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
  };
}
