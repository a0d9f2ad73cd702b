export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/**
 * Which encoding a caption file is in: a byte order mark decides (UTF-8, UTF-16 LE/BE); without
 * one, UTF-16 shows as NUL bytes at every other position of mostly-ASCII text; then UTF-8 when
 * the bytes are valid UTF-8, and otherwise Windows-1252 (a superset of Latin-1 for text, which
 * is what old SubRip files from Western Europe are in).
 */
export function detectEncoding(bytes: Uint8Array): TextEncoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  const sample = bytes.subarray(0, 4096 - (Math.min(bytes.length, 4096) % 2));
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] === 0) {
      if (i % 2 === 0) evenNuls++;
      else oddNuls++;
    }
  }
  const pairs = sample.length / 2;
  if (pairs > 0 && oddNuls > pairs * 0.4 && evenNuls === 0) return 'utf-16le';
  if (pairs > 0 && evenNuls > pairs * 0.4 && oddNuls === 0) return 'utf-16be';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

// Windows-1252 differs from Latin-1 in 0x80-0x9f (printable there, control codes in Latin-1).
// Node 20's TextDecoder decodes 'windows-1252' as Latin-1, so those bytes are mapped here.
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    out += byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH.charAt(byte - 0x80) : String.fromCharCode(byte);
  }
  return out;
}

/** The text of a caption file, in whatever encoding it came (see detectEncoding), without a BOM. */
export function decodeCaptionText(bytes: Uint8Array): { text: string; encoding: TextEncoding } {
  const encoding = detectEncoding(bytes);
  // TextDecoder drops the byte order mark of its own encoding.
  const text =
    encoding === 'windows-1252' ? decodeWindows1252(bytes) : new TextDecoder(encoding).decode(bytes);
  return { text, encoding };
}
