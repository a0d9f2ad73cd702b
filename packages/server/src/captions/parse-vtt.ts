import { CaptionsError, excerpt, type Cue } from './caption-cue.ts';
import { parseTimestamp } from './caption-time.ts';
import { sanitizeCueText } from './cue-markup.ts';
import { validCueSettings } from './cue-settings.ts';

const TIMING = /^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t]+(.*))?$/;

/**
 * Cues of a WebVTT file. NOTE, STYLE and REGION blocks are dropped (a stylesheet in a caption
 * file is not passed on to players); cue ids and valid cue settings are kept; cue text is
 * sanitised (see sanitizeCueText). Throws CaptionsError naming the line of the first thing it
 * cannot read: a missing WEBVTT signature, a block that is no cue, a bad time, a cue that ends
 * before it starts.
 */
export function parseVtt(text: string): Cue[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (!/^WEBVTT(?:[ \t].*)?$/.test(lines[0] ?? '')) {
    throw new CaptionsError(1, "a WebVTT file starts with the line 'WEBVTT'");
  }
  let i = 1;
  // The header runs to the first blank line (X-TIMESTAMP-MAP and other header lines are ignored).
  while (i < lines.length && (lines[i] ?? '').trim() !== '') i++;
  const cues: Cue[] = [];
  const blank = (n: number) => (lines[n] ?? '').trim() === '';
  while (i < lines.length) {
    if (blank(i)) {
      i++;
      continue;
    }
    const first = lines[i] ?? '';
    if (!first.includes('-->') && /^(?:NOTE(?:[ \t].*)?|STYLE[ \t]*|REGION[ \t]*)$/.test(first)) {
      while (i < lines.length && !blank(i)) i++;
      continue;
    }
    let id = '';
    if (!first.includes('-->')) {
      id = first.trim();
      i++;
    }
    const lineNo = i + 1;
    const timingLine = (lines[i] ?? '').trim();
    const timing = TIMING.exec(timingLine);
    if (!timing) {
      throw new CaptionsError(
        lineNo,
        `expected a cue timing line like '00:00:01.000 --> 00:00:02.500', found '${excerpt(timingLine)}'`,
      );
    }
    const startMs = parseTimestamp(timing[1] ?? '');
    const endMs = parseTimestamp(timing[2] ?? '');
    if (startMs === null) throw new CaptionsError(lineNo, `'${excerpt(timing[1] ?? '')}' is not a time`);
    if (endMs === null) throw new CaptionsError(lineNo, `'${excerpt(timing[2] ?? '')}' is not a time`);
    if (endMs <= startMs) throw new CaptionsError(lineNo, 'the cue ends before it starts');
    i++;
    const body: string[] = [];
    // A line with '-->' starts the next cue even without a blank line before it.
    while (i < lines.length && !blank(i) && !(lines[i] ?? '').includes('-->')) body.push(lines[i++] ?? '');
    const cueText = sanitizeCueText(body.join('\n'), 'vtt');
    if (cueText) {
      cues.push({ id, startMs, endMs, settings: validCueSettings(timing[3] ?? ''), text: cueText });
    }
  }
  return cues;
}
