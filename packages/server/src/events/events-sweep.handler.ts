import type { Repositories } from '../repositories/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { enqueueDispatch } from './record-event.ts';

const BATCH = 500;

/**
 * Every event is recorded with its dispatch job, so this finds work only when a job was removed
 * by hand: such an event gets a dispatch job again (one unfinished per event). Dispatched events
 * are removed after `keepDispatchedForMs`; their deliveries keep the body they send.
 */
export function eventsSweepHandler(deps: {
  repos: Pick<Repositories, 'events' | 'jobs'>;
  queue: JobQueue<KinoJobCatalog>;
}): JobHandler<{ undispatchedForMs: number; keepDispatchedForMs: number }> {
  return async ({ payload, signal }) => {
    const now = deps.queue.now();
    const waiting = await deps.repos.events.listUndispatched(now - payload.undispatchedForMs, BATCH);
    for (const event of waiting) {
      signal.throwIfAborted();
      await enqueueDispatch(deps.repos, deps.queue, event.tenant_id, event.id);
    }
    await deps.repos.events.pruneDispatched(now - payload.keepDispatchedForMs);
  };
}
