/** What the console reads from a caption file's name, before sending it. */

export type CaptionFormat = 'vtt' | 'srt' | 'ttml' | 'dfxp';

/** The file types the upload form offers (Kino reads the content; the extension is a hint). */
export const CAPTION_FILE_TYPES = '.vtt,.srt,.ttml,.dfxp,.xml,text/vtt';

/** The format a file name says, or null (Kino then detects it from the content). */
export function captionFormatOf(fileName: string): CaptionFormat | null {
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  return ext === 'vtt' || ext === 'srt' || ext === 'ttml' || ext === 'dfxp' ? ext : null;
}

/**
 * The language a file name carries before its extension, as in `talk.de.srt` or
 * `lecture.pt-BR.vtt`; null when there is none.
 */
export function languageOf(fileName: string): string | null {
  const match = /\.([a-z]{2,3}(?:[-_][a-z0-9]{2,8})*)\.[a-z]+$/i.exec(fileName);
  if (!match?.[1]) return null;
  try {
    const tag = Intl.getCanonicalLocales(match[1].replace(/_/g, '-'))[0];
    if (!tag) return null;
    // A word that only looks like a tag ("the.end.srt") names no language.
    const known = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }).of(tag);
    return known ? tag : null;
  } catch {
    return null;
  }
}

/** A piece of a cue's text, marked when it is where a searched word matched. */
export interface TextPart {
  text: string;
  mark: boolean;
}

/**
 * Splits a cue's text to show the searched words in it: each word of `query` marks the words of
 * the text that start with it (case-insensitive), as the search matched them.
 */
export function markWords(text: string, query: string): TextPart[] {
  const terms = query
    .toLocaleLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
  const parts: TextPart[] = [];
  const push = (piece: string, mark: boolean) => {
    const last = parts[parts.length - 1];
    if (last && last.mark === mark) last.text += piece;
    else if (piece) parts.push({ text: piece, mark });
  };
  for (const piece of text.split(/([\p{L}\p{N}]+)/u)) {
    const lower = piece.toLocaleLowerCase();
    push(
      piece,
      terms.some((t) => lower.startsWith(t)),
    );
  }
  return parts;
}

/** A search hit, as far as choosing among them goes. */
interface Hit {
  startSeconds: number;
  language: string;
}

/**
 * One hit per moment: the same cue found in several tracks (a translation) counts once, in the
 * first of `languages` (the browser's) that has it. Keeps time order.
 */
export function momentsOf<H extends Hit>(hits: readonly H[], languages: readonly string[]): H[] {
  const rank = (hit: H) => {
    const primary = hit.language.split('-')[0]?.toLowerCase();
    const index = languages.findIndex((l) => l.split('-')[0]?.toLowerCase() === primary);
    return index < 0 ? languages.length : index;
  };
  const chosen = new Map<number, H>();
  for (const hit of hits) {
    const current = chosen.get(hit.startSeconds);
    if (!current || rank(hit) < rank(current)) chosen.set(hit.startSeconds, hit);
  }
  return [...chosen.values()].sort((a, b) => a.startSeconds - b.startSeconds);
}
