import type { Cue } from '../caption-cue.ts';
import type { SpeechSegment } from './asr-engine.ts';

export const MAX_LINE_CHARS = 32;
export const MAX_LINES = 2;
/** A pause this long between words starts a new cue. */
const PAUSE_MS = 700;
/** No cue stays on screen longer than this. */
const MAX_CUE_MS = 7000;
/** A short cue is held this long when the next one leaves room. */
const MIN_CUE_MS = 1000;

interface TimedWord {
  text: string;
  startMs: number;
  endMs: number;
}

/** The words of segments, each given a share of its segment's time by its length. */
function timedWords(segments: readonly SpeechSegment[]): TimedWord[] {
  return segments.flatMap((segment) => {
    const words = segment.text.split(/\s+/).filter(Boolean);
    const total = words.reduce((sum, w) => sum + w.length + 1, 0);
    const span = Math.max(0, segment.endMs - segment.startMs);
    let before = 0;
    return words.map((text) => {
      const startMs = segment.startMs + Math.round((before / total) * span);
      before += text.length + 1;
      return { text, startMs, endMs: segment.startMs + Math.round((before / total) * span) };
    });
  });
}

/** Lines of at most `MAX_LINE_CHARS`, filled greedily (a longer word gets a line of its own). */
function wrap(words: readonly string[]): string[] {
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= MAX_LINE_CHARS)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * Caption cues from recognised speech: at most two lines of 32 characters each, a new cue at a
 * pause or after 7 seconds, each cue shown from its first word to its last (held to a second
 * when the next cue leaves room).
 */
export function layoutCues(segments: readonly SpeechSegment[]): Cue[] {
  const groups: TimedWord[][] = [];
  let group: TimedWord[] = [];
  for (const word of timedWords(segments)) {
    const previous = group.at(-1);
    const fits = wrap([...group.map((w) => w.text), word.text]).length <= MAX_LINES;
    const paused = previous !== undefined && word.startMs - previous.endMs >= PAUSE_MS;
    const tooLong = group.length > 0 && word.endMs - (group[0]?.startMs ?? word.startMs) > MAX_CUE_MS;
    if (group.length > 0 && (!fits || paused || tooLong)) {
      groups.push(group);
      group = [];
    }
    group.push(word);
  }
  if (group.length) groups.push(group);
  return groups.map((words, i) => {
    const startMs = words[0]?.startMs ?? 0;
    const nextStart = groups[i + 1]?.[0]?.startMs ?? Number.POSITIVE_INFINITY;
    const spoken = Math.max(words.at(-1)?.endMs ?? startMs, startMs + 1);
    const endMs = Math.max(spoken, Math.min(startMs + MIN_CUE_MS, nextStart));
    return { id: '', startMs, endMs, settings: '', text: wrap(words.map((w) => w.text)).join('\n') };
  });
}
