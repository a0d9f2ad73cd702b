/** How far the work on a media has come, as its worker last reported it. */
export interface MediaProgress {
  /** 0–100 of the whole way to ready; null when no step is known. */
  percent: number | null;
  message: string | null;
}

/**
 * The share of the way to ready each job of a media covers: a URL import, the first playable
 * version, then the full ladder (the longest part).
 */
const STAGES: Record<string, { from: number; to: number; waiting: string }> = {
  'media.import': { from: 0, to: 25, waiting: 'waiting to download' },
  'media.process': { from: 25, to: 45, waiting: 'waiting for a worker' },
  'media.encode': { from: 45, to: 99, waiting: 'playable; waiting for a worker for the other renditions' },
};

/**
 * One percentage for the whole processing of a media, from the job it is at and that job's own
 * percent: so the console's bar moves forward from upload to ready instead of restarting per job,
 * and a job not started yet still says where the media is.
 *
 * @example overallProgress({ type: 'media.encode', running: true, percent: 50, message: 'encoding' }) // { percent: 72, … }
 */
export function overallProgress(job: {
  type: string;
  running: boolean;
  percent: number | null;
  message: string | null;
}): MediaProgress {
  const stage = STAGES[job.type];
  if (!stage) return { percent: job.percent, message: job.message };
  const own = Math.min(100, Math.max(0, job.percent ?? 0));
  const percent = Math.round((stage.from + ((stage.to - stage.from) * own) / 100) * 10) / 10;
  const message = job.message ?? (job.running ? null : stage.waiting);
  return { percent, message };
}
