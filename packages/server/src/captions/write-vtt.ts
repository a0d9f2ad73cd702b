import type { Cue } from './caption-cue.ts';
import { formatTimestamp } from './caption-time.ts';

/**
 * The normalised WebVTT file of a track: the signature line, then the cues in order of start
 * time (as WebVTT requires), each with its id when it has one.
 */
export function writeVtt(cues: readonly Cue[]): string {
  const sorted = [...cues].sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  const blocks = sorted.map((cue) => {
    const timing = `${formatTimestamp(cue.startMs)} --> ${formatTimestamp(cue.endMs)}`;
    const lines = [
      ...(cue.id ? [cue.id] : []),
      cue.settings ? `${timing} ${cue.settings}` : timing,
      cue.text,
    ];
    return lines.join('\n');
  });
  return ['WEBVTT', '', ...blocks.map((b) => `${b}\n`)].join('\n');
}
