import type { JobHandler } from '../jobs/job-registry.ts';
import type { RecordingsService } from './recordings.service.ts';

/**
 * `recordings.sweep` (recurring): a recording with no byte for `abandonAfterMs` (its browser
 * crashed for good, its agent is gone) is completed as it is, its media marked recovered.
 */
export function recordingsSweepHandler(
  recordings: Pick<RecordingsService, 'completeAbandoned'>,
): JobHandler<{ abandonAfterMs: number }> {
  return async ({ payload, signal }) => {
    while ((await recordings.completeAbandoned(payload.abandonAfterMs, signal)) === 100) {
      signal.throwIfAborted();
    }
  };
}
