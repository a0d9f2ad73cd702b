import { z } from 'zod';
import { defineJobCatalog } from './job-registry.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * Every kind of background work Kino does, with its payload schema and defaults. Priorities:
 * 0–9 make media playable, 10–49 finish processing, 50+ is maintenance.
 */
export const jobCatalog = defineJobCatalog({
  'media.process': {
    payload: z.object({ tenantId: z.string(), mediaId: z.string() }),
    priority: 1,
    maxAttempts: 3,
    timeoutMs: 6 * HOUR,
  },
  'media.remove-files': {
    payload: z.object({
      prefix: z
        .string()
        .regex(/^media\/[a-z0-9_]+\/[a-z0-9_]+\/([a-z0-9_-]+\/)?$/)
        .optional(),
      keys: z.array(z.string().regex(/^upl_[a-z0-9]+(\.json|\.info)?$/)).default([]),
    }),
    priority: 80,
    maxAttempts: 10,
    timeoutMs: HOUR,
  },
  'media.reconcile': {
    payload: z.object({ stuckForMs: z.number().int().positive() }),
    priority: 60,
    maxAttempts: 1,
    timeoutMs: 5 * 60_000,
  },
  'maintenance.prune-jobs': {
    payload: z.object({ keepFinishedForMs: z.number().int().positive() }),
    priority: 90,
    maxAttempts: 3,
    timeoutMs: 10 * 60_000,
  },
});

export type KinoJobCatalog = typeof jobCatalog;

export const recurringJobs = [
  {
    name: 'reconcile-stuck-media',
    everyMs: 60_000,
    type: 'media.reconcile' as const,
    payload: { stuckForMs: 120_000 },
  },
  {
    name: 'prune-finished-jobs',
    everyMs: HOUR,
    type: 'maintenance.prune-jobs' as const,
    payload: { keepFinishedForMs: 14 * DAY },
  },
];
