/** Cue markup Kino keeps: WebVTT's own tags, without classes or other attributes. */
const KEPT = new Set(['b', 'i', 'u', 'c', 'v', 'lang', 'ruby', 'rt']);

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  lrm: '\u200e',
  rlm: '\u200f',
};

/** Decodes the character references a cue may hold (named ones WebVTT and SubRip files use, and numeric). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,6});/gi, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
      return valid ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A tag's annotation (a voice's name): plain text on one line, bounded. */
const annotation = (text: string) =>
  decodeEntities(text)
    .replace(/[<>&\p{Cc}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 100);

function canonicalLanguage(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag.trim())[0] ?? null;
  } catch {
    return null;
  }
}

// A tag starts with a letter right after '<' (or '</'); any other '<' is text. Timestamps
// (`<00:00:01.000>`, karaoke) are recognised so that they can be dropped.
const TOKEN = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^<>]*)>|<\d[\d:.]*>/g;

/**
 * Cue text from a WebVTT or SubRip file as safe WebVTT markup: only b, i, u, c, v, lang, ruby
 * and rt survive (classes and attributes dropped; a voice keeps its name, lang a valid language
 * tag), every tag is closed in order, and text is escaped, so nothing a player renders can
 * carry HTML. SubRip's `{\an8}`-style override codes are removed. Lines are trimmed and empty
 * ones dropped (an empty line would end a WebVTT cue). Returns '' when no text is left.
 */
export function sanitizeCueText(raw: string, source: 'vtt' | 'srt'): string {
  const input = source === 'srt' ? raw.replace(/\{\\[^}]*\}/g, '') : raw;
  const open: string[] = [];
  let out = '';
  const close = (name: string) => {
    const at = open.lastIndexOf(name);
    if (at < 0) return;
    while (open.length > at) out += `</${open.pop() ?? ''}>`;
  };
  let last = 0;
  for (const m of input.matchAll(TOKEN)) {
    out += escapeText(decodeEntities(input.slice(last, m.index)));
    last = m.index + m[0].length;
    const [, slash, rawName, rest = ''] = m;
    if (rawName === undefined) continue; // a timestamp tag
    // WebVTT tag names are lower case; SubRip's HTML-like ones come in any case.
    const name = source === 'srt' ? rawName.toLowerCase() : rawName;
    if (!KEPT.has(name)) continue;
    if (slash) {
      close(name);
      continue;
    }
    // `rest` holds classes (`.loud`) and the annotation (` Esme`), or HTML attributes from SubRip.
    const note = source === 'vtt' ? rest.replace(/^(\.[^\s.]+)*/, '') : '';
    if (name === 'rt' && !open.includes('ruby')) continue;
    if (name === 'v') {
      const voice = annotation(note);
      if (!voice) continue;
      out += `<v ${voice}>`;
    } else if (name === 'lang') {
      const lang = canonicalLanguage(annotation(note));
      if (!lang) continue;
      out += `<lang ${lang}>`;
    } else {
      out += `<${name}>`;
    }
    open.push(name);
  }
  out += escapeText(decodeEntities(input.slice(last)));
  while (open.length) out += `</${open.pop() ?? ''}>`;
  return tidyLines(out);
}

/** Trims lines, drops empty ones, and moves tags that only wrapped line breaks out of the way. */
function tidyLines(markup: string): string {
  const lines = markup
    .split('\n')
    .map((line) => line.replace(/[\t ]+$/g, '').replace(/^[\t ]+/g, ''))
    .filter((line) => line.replace(/<[^>]*>/g, '').trim() !== '' || /<\/?[a-z]/.test(line));
  const text = lines.join('\n');
  return plainText(text) === '' ? '' : text;
}

/** The words of a cue as a person reads them: no tags, references decoded, on one line. */
export function plainText(markup: string): string {
  return decodeEntities(markup.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}
