import { CaptionsError, excerpt, type Cue } from './caption-cue.ts';
import { parseTimestamp } from './caption-time.ts';
import { sanitizeCueText } from './cue-markup.ts';

const TIMING = /^\s*(\S+)\s*-->\s*(\S+)(?:\s+.*)?$/;
const NUMBER = /^\s*\d+\s*$/;

/**
 * Cues of a SubRip (.srt) file: numbered blocks of a timing line (`00:00:01,000 --> 00:00:02,500`,
 * anything after the end time ignored) and text lines. Tolerates what real files do: CRLF or CR
 * line ends, a missing number, a missing blank line between blocks or at the end, a dot for the
 * decimal comma. Throws CaptionsError naming the line of the first block it cannot read.
 */
export function parseSrt(text: string): Cue[] {
  const lines = text.split(/\r\n|\r|\n/);
  const cues: Cue[] = [];
  const isTiming = (i: number) => TIMING.test(lines[i] ?? '');
  // A number line starts a block when a timing line follows it.
  const startsBlock = (i: number) => isTiming(i) || (NUMBER.test(lines[i] ?? '') && isTiming(i + 1));
  let i = 0;
  while (i < lines.length) {
    if ((lines[i] ?? '').trim() === '') {
      i++;
      continue;
    }
    // A cue number, then its timing line (a number followed by no timing line is a broken timing).
    const numbered = NUMBER.test(lines[i] ?? '') && (lines[i + 1] ?? '').trim() !== '';
    if (numbered) i++;
    const timingLine = lines[i] ?? '';
    const lineNo = i + 1;
    const timing = TIMING.exec(timingLine);
    if (!timing) {
      const expected = numbered ? 'a timing line' : 'a cue number or a timing line';
      throw new CaptionsError(
        lineNo,
        `expected ${expected} like '00:00:01,000 --> 00:00:02,500', found '${excerpt(timingLine)}'`,
      );
    }
    const startMs = parseTimestamp(timing[1] ?? '');
    const endMs = parseTimestamp(timing[2] ?? '');
    if (startMs === null) throw new CaptionsError(lineNo, `'${excerpt(timing[1] ?? '')}' is not a time`);
    if (endMs === null) throw new CaptionsError(lineNo, `'${excerpt(timing[2] ?? '')}' is not a time`);
    if (endMs <= startMs) throw new CaptionsError(lineNo, 'the cue ends before it starts');
    i++;
    const body: string[] = [];
    while (i < lines.length && (lines[i] ?? '').trim() !== '' && !startsBlock(i)) body.push(lines[i++] ?? '');
    const cueText = sanitizeCueText(body.join('\n'), 'srt');
    if (cueText) cues.push({ id: '', startMs, endMs, settings: '', text: cueText });
  }
  return cues;
}
