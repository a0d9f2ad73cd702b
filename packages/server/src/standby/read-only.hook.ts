import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/problem.ts';
import type { StandbyMode } from './standby-mode.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const STANDBY_MESSAGE =
  'this Kino runs on a standby database: it serves playback and reads until the standby is promoted (kino failover promote)';

/** An onRequest hook: on a standby, every request that could write answers 503 read_only_standby. */
export function readOnlyWhileStandby(mode: Pick<StandbyMode, 'active'>) {
  return async (request: FastifyRequest): Promise<void> => {
    if (mode.active && !READS.has(request.method)) throw new ApiError('read_only_standby', STANDBY_MESSAGE);
  };
}
