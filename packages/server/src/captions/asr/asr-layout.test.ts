import { describe, expect, it } from 'vitest';
import { layoutCues, MAX_LINE_CHARS } from './cue-layout.ts';
import { parseSphinxOutput, sphinxArgs } from './sphinx-engine.ts';
import { speechIntervals, timeUtterances } from './speech-timing.ts';
import { planPieces, shiftSegments } from './transcribe-media.ts';
import { normalizeWords, wordErrorRate } from './word-error-rate.ts';

describe('wordErrorRate', () => {
  it('is 0 for the same words in another case and punctuation', () => {
    expect(wordErrorRate('Hello, World! It’s here.', "hello world it's here")).toBe(0);
    expect(normalizeWords("'Quoted' words, don't")).toEqual(['quoted', 'words', "don't"]);
  });
  it('counts substitutions, deletions and insertions against the reference length', () => {
    expect(wordErrorRate('a b c d', 'a x c d')).toBe(0.25);
    expect(wordErrorRate('a b c d', 'a c d')).toBe(0.25);
    expect(wordErrorRate('a b c d', 'a b c d e f')).toBe(0.5);
    expect(wordErrorRate('a b', '')).toBe(1);
    expect(wordErrorRate('', '')).toBe(0);
  });
});

describe('layoutCues', () => {
  const long =
    'the quick brown fox jumps over the lazy dog while students read the first chapter before the lecture';
  it('makes cues of at most two lines of 32 characters', () => {
    const cues = layoutCues([{ startMs: 1000, endMs: 7000, text: long }]);
    expect(cues.length).toBeGreaterThan(1);
    for (const cue of cues) {
      const lines = cue.text.split('\n');
      expect(lines.length).toBeLessThanOrEqual(2);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    }
    expect(cues.map((c) => c.text.replace(/\n/g, ' ')).join(' ')).toBe(long);
  });
  it('times cues to speech: in order, within the segment, a new cue after a pause', () => {
    const cues = layoutCues([
      { startMs: 1000, endMs: 2000, text: 'hello there' },
      { startMs: 5000, endMs: 6000, text: 'again' },
    ]);
    expect(cues).toEqual([
      { id: '', startMs: 1000, endMs: 2000, settings: '', text: 'hello there' },
      { id: '', startMs: 5000, endMs: 6000, settings: '', text: 'again' },
    ]);
  });
  it('holds a short cue for a second when the next leaves room, never over the next', () => {
    const cues = layoutCues([
      { startMs: 0, endMs: 200, text: 'yes' },
      { startMs: 900, endMs: 1500, text: 'no' },
    ]);
    expect(cues[0]!.endMs).toBe(900);
  });
});

describe('sphinx output', () => {
  it('passes the model to the asr filter and prints metadata, as an argument array', () => {
    const args = sphinxArgs('/w/p.wav', '/m');
    expect(args.slice(0, 5)).toEqual(['-hide_banner', '-nostdin', '-nostats', '-i', '/w/p.wav']);
    expect(args[args.indexOf('-af') + 1]).toContain(
      'asr=hmm=/m/en-us:dict=/m/cmudict-en-us.dict:lm=/m/en-us.lm.bin',
    );
  });
  it('times the words of an utterance to the speech before it was detected', () => {
    const out = [
      'frame:10 pts:1 pts_time:0.5',
      'lavfi.silence_start=0',
      'frame:20 pts:1 pts_time:1.2',
      'lavfi.silence_end=1.0',
      'lavfi.silence_duration=1.0',
      'frame:40 pts:1 pts_time:2.1',
      'lavfi.silence_start=2.0',
      'frame:50 pts:1 pts_time:2.6',
      'lavfi.asr.text=hello world',
      'frame:60 pts:1 pts_time:3.0',
    ].join('\n');
    expect(parseSphinxOutput(out).segments).toEqual([{ startMs: 1000, endMs: 2000, text: 'hello world' }]);
  });
  it('splits an utterance over two stretches of speech by word length', () => {
    const speech = speechIntervals([{ startMs: 1000, endMs: 2000 }], 3000);
    expect(speech).toEqual([
      { startMs: 0, endMs: 1000 },
      { startMs: 2000, endMs: 3000 },
    ]);
    expect(timeUtterances([{ detectedAtMs: 3000, text: 'one two' }], speech)).toEqual([
      { startMs: 0, endMs: 1000, text: 'one' },
      { startMs: 2000, endMs: 3000, text: 'two' },
    ]);
  });
});

describe('pieces', () => {
  it('covers the media in consecutive pieces and moves times by the piece start', () => {
    expect(planPieces(25_000, 10_000)).toEqual([
      { startMs: 0, durationMs: 10_000 },
      { startMs: 10_000, durationMs: 10_000 },
      { startMs: 20_000, durationMs: 5_000 },
    ]);
    expect(shiftSegments([{ startMs: 1, endMs: 2, text: 'a' }], 10_000)).toEqual([
      { startMs: 10_001, endMs: 10_002, text: 'a' },
    ]);
  });
});
