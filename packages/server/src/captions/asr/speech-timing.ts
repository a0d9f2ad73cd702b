import type { SpeechSegment } from './asr-engine.ts';

/** An utterance as ffmpeg's asr filter reports it: its text, known when its end was detected. */
export interface Utterance {
  detectedAtMs: number;
  text: string;
}

export interface Interval {
  startMs: number;
  endMs: number;
}

/** Speech shorter than this is a click, not a word. */
const MIN_SPEECH_MS = 60;

/** The stretches of [0, totalMs] that are not silence. */
export function speechIntervals(silences: readonly Interval[], totalMs: number): Interval[] {
  const sorted = [...silences].sort((a, b) => a.startMs - b.startMs);
  const speech: Interval[] = [];
  let at = 0;
  for (const s of sorted) {
    if (s.startMs - at >= MIN_SPEECH_MS) speech.push({ startMs: at, endMs: Math.min(s.startMs, totalMs) });
    at = Math.max(at, s.endMs);
  }
  if (totalMs - at >= MIN_SPEECH_MS) speech.push({ startMs: at, endMs: totalMs });
  return speech.filter((i) => i.endMs - i.startMs >= MIN_SPEECH_MS);
}

/**
 * Times the words of each utterance. The asr filter says only when an utterance ended (a little
 * after its last word, once it heard the pause); the speech between the previous utterance and
 * that moment, as silencedetect found it, is where its words were said. Words share that
 * speech time in proportion to their length; each stretch of speech becomes one segment.
 */
export function timeUtterances(
  utterances: readonly Utterance[],
  speech: readonly Interval[],
): SpeechSegment[] {
  const segments: SpeechSegment[] = [];
  let windowStart = 0;
  for (const utterance of utterances) {
    const words = utterance.text.split(/\s+/).filter(Boolean);
    const windowEnd = utterance.detectedAtMs;
    let spans = speech
      .map((i) => ({ startMs: Math.max(i.startMs, windowStart), endMs: Math.min(i.endMs, windowEnd) }))
      .filter((i) => i.endMs - i.startMs >= MIN_SPEECH_MS);
    if (spans.length === 0) spans = [{ startMs: windowStart, endMs: Math.max(windowEnd, windowStart + 1) }];
    windowStart = windowEnd;
    if (words.length === 0) continue;
    segments.push(...shareWords(words, spans));
  }
  return segments;
}

/** Spreads words over spans of speech by length: each span gets the words whose middle falls in it. */
function shareWords(words: string[], spans: Interval[]): SpeechSegment[] {
  const totalSpeech = spans.reduce((sum, s) => sum + (s.endMs - s.startMs), 0);
  const totalWeight = words.reduce((sum, w) => sum + w.length + 1, 0);
  const ends: number[] = [];
  let elapsed = 0;
  for (const span of spans) ends.push((elapsed += span.endMs - span.startMs));
  const bySpan = spans.map(() => [] as string[]);
  let before = 0;
  for (const word of words) {
    const middle = ((before + (word.length + 1) / 2) / totalWeight) * totalSpeech;
    before += word.length + 1;
    const found = ends.findIndex((end) => middle <= end);
    bySpan[found < 0 ? spans.length - 1 : found]?.push(word);
  }
  return spans.flatMap((span, s) => {
    const said = bySpan[s] ?? [];
    return said.length
      ? [{ startMs: Math.round(span.startMs), endMs: Math.round(span.endMs), text: said.join(' ') }]
      : [];
  });
}
