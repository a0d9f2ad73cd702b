import { eachConcurrently } from './concurrency.ts';
import { INPUT, sourceInput } from './ffmpeg-commands.ts';
import { runMediaTool, type RunOptions } from './media-tools.ts';
import { SILENCE_LUFS, withLoudness, type ProcessingPlan } from './plan.ts';
import type { ProbeResult } from './probe-result.ts';
import type { ToolLimits } from './tool-limits.ts';

/** Where in the source a measurement listens (seconds); the whole track when left out. */
export interface ListenWindow {
  startSeconds: number;
  durationSeconds: number;
}

/**
 * Integrated loudness (EBU R128) of one audio stream: ffmpeg's ebur128 filter puts its running
 * value on every 100 ms frame, and ametadata prints it to standard output, so the last line holds
 * the whole window's loudness. Nothing is written to disk.
 */
export function loudnessArgs(
  source: string,
  streamIndex: number,
  demuxer?: string,
  window?: ListenWindow,
): string[] {
  const seek = window ? ['-ss', window.startSeconds.toFixed(3), '-t', window.durationSeconds.toFixed(3)] : [];
  return [
    ...INPUT,
    ...seek,
    ...sourceInput(source, demuxer),
    '-filter_complex',
    // The colon in pipe:1 is escaped twice: once for the graph, once for the filter's options.
    `[0:${streamIndex}]ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=pipe\\\\:1[m]`,
    ...['-map', '[m]', '-f', 'null', '-'],
  ];
}

/** The last integrated loudness ametadata printed (LUFS), or null when there was none. */
export function parseLoudness(stdout: string): number | null {
  let value: number | null = null;
  for (const match of stdout.matchAll(/lavfi\.r128\.I=(-?[\d.]+|-inf)/g)) {
    const n = match[1] === '-inf' ? -Infinity : Number(match[1]);
    if (!Number.isNaN(n)) value = n;
  }
  return value === null ? null : Math.max(-70, value);
}

export async function measureLoudness(
  source: string,
  streamIndex: number,
  opts: RunOptions & { demuxer?: string; window?: ListenWindow },
): Promise<number | null> {
  const { demuxer, window, ...run } = opts;
  return parseLoudness(await runMediaTool('ffmpeg', loudnessArgs(source, streamIndex, demuxer, window), run));
}

/** 20 s from a quarter in: past an intro that may be quiet on every track, and cheap to decode. */
export function silenceWindow(durationSeconds: number): ListenWindow {
  const durationWindow = Math.min(20, durationSeconds);
  const startSeconds = Math.max(0, Math.min(durationSeconds * 0.25, durationSeconds - durationWindow));
  return { startSeconds, durationSeconds: durationWindow };
}

/**
 * The audio tracks that hold only silence (quieter than SILENCE_LUFS) over a short window, by
 * stream index. Only asked when there is a choice to make (two tracks or more).
 */
export async function silentAudioTracks(
  source: string,
  probe: ProbeResult,
  opts: RunOptions & { demuxer?: string },
): Promise<Set<number>> {
  const silent = new Set<number>();
  if (probe.audio.length < 2) return silent;
  const window = silenceWindow(probe.durationSeconds);
  // A few at a time: each decodes 20 s of one track, mostly waiting for ffmpeg to start.
  await eachConcurrently(probe.audio, 4, async (track) => {
    // A track ffmpeg cannot decode here is left to fail, or not, where it is encoded.
    const lufs = await measureLoudness(source, track.index, { ...opts, window }).catch((error: unknown) => {
      if (opts.signal?.aborted) throw error;
      return undefined;
    });
    if (lufs === null || (lufs !== undefined && lufs < SILENCE_LUFS)) silent.add(track.index);
  });
  return silent;
}

/**
 * Measures the default track's integrated loudness over the whole source and returns the plan
 * with the gain that normalises it (when the plan asks for that; see withLoudness).
 */
export async function planSound(
  prepared: { plan: ProcessingPlan; source: string; demuxer: string; workdir: string; limits: ToolLimits },
  signal: AbortSignal,
): Promise<{ plan: ProcessingPlan; loudnessLufs: number | null }> {
  const { plan, source, demuxer, workdir, limits } = prepared;
  if (!plan.audio) return { plan, loudnessLufs: null };
  const loudnessLufs = await measureLoudness(source, plan.audio.sourceIndex, {
    signal,
    workdir,
    limits,
    demuxer,
    background: true,
  });
  return { plan: withLoudness(plan, loudnessLufs), loudnessLufs };
}
