import { z } from 'zod';
import { defineJobCatalog } from './job-registry.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * Every kind of background work Kino does, with its payload schema and defaults. Priorities:
 * 0–9 make media playable, 10–49 finish processing, 50+ is maintenance.
 */
export const jobCatalog = defineJobCatalog({
  'media.ingest': {
    payload: z.object({ tenantId: z.string(), mediaId: z.string() }),
    priority: 1,
    maxAttempts: 5,
    timeoutMs: 2 * HOUR,
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
    name: 'prune-finished-jobs',
    everyMs: HOUR,
    type: 'maintenance.prune-jobs' as const,
    payload: { keepFinishedForMs: 14 * DAY },
  },
];
