import { execFile } from 'node:child_process';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/** One dependency the process needs in order to serve; resolves when reachable, throws when not. */
export interface ReadinessCheck {
  name: string;
  run(): Promise<void>;
}

export function databaseCheck(db: Db): ReadinessCheck {
  return {
    name: 'database',
    run: async () => {
      await sql`select 1`.execute(db);
    },
  };
}

/** ffmpeg and ffprobe answer `-version`; the answer is remembered for a minute. */
export function ffmpegCheck(): ReadinessCheck {
  let okUntil = 0;
  const version = (bin: string) =>
    new Promise<void>((resolve, reject) => {
      execFile(bin, ['-hide_banner', '-version'], { timeout: 5000 }, (err) => {
        if (err) reject(new Error(`${bin} is not runnable: ${err.message}`));
        else resolve();
      });
    });
  return {
    name: 'ffmpeg',
    run: async () => {
      if (Date.now() < okUntil) return;
      await Promise.all([version('ffmpeg'), version('ffprobe')]);
      okUntil = Date.now() + 60_000;
    },
  };
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string; ms: number }>;
}

/** Runs every check at once, each with a time limit, so one hung dependency cannot hang /readyz. */
export async function runReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs = 3000,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (check) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check.run(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              reject(new Error(`no answer within ${timeoutMs} ms`));
            }, timeoutMs);
          }),
        ]);
        return [check.name, { ok: true, ms: Math.round(performance.now() - started) }] as const;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        return [check.name, { ok: false, error, ms: Math.round(performance.now() - started) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report: ReadinessReport['checks'] = {};
  for (const [name, result] of results) report[name] = result;
  return { ready: results.every(([, r]) => r.ok), checks: report };
}
