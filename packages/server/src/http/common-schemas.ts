import { z } from 'zod';
import { problemSchema } from './problem.ts';

/** The error answers every authenticated route may give, for the OpenAPI document. */
export const authErrors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
} as const;

export const withNotFound = { ...authErrors, 404: problemSchema } as const;

export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
};

export const timestamp = z.iso.datetime().describe('ISO 8601 time in UTC');
export const toIso = (ms: number) => new Date(ms).toISOString();
