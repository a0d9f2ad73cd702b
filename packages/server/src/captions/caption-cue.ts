/** One cue of a caption track, as Kino stores and serves it. */
export interface Cue {
  /** WebVTT cue identifier, or '' for none. */
  id: string;
  /** Milliseconds from the start of the media (its first frame). */
  startMs: number;
  endMs: number;
  /** Valid WebVTT cue settings, space separated, or ''. */
  settings: string;
  /** The payload in sanitised WebVTT markup; lines joined by '\n', never an empty line. */
  text: string;
}

export type CaptionFormat = 'vtt' | 'srt' | 'ttml';

/**
 * A caption file Kino cannot take, with the line (1-based, in the decoded text) where it went
 * wrong when there is one.
 */
export class CaptionsError extends Error {
  override name = 'CaptionsError';
  constructor(
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(line === null ? reason : `line ${line}: ${reason}`);
  }
}

/** A line quoted in an error, cut short. */
export const excerpt = (line: string) => (line.length > 60 ? `${line.slice(0, 57)}...` : line);
