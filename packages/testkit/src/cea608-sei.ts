/**
 * CEA-608 closed captions carried the way broadcast and camera H.264 carries them: ATSC A/53
 * "GA94" caption data in an SEI message (user_data_registered_itu_t_t35) before each picture.
 * Pure byte builders, so a fixture can put real captions into a clip ffmpeg cannot caption itself.
 */

/** A CEA-608 byte pair as sent in one frame (parity bit not yet set). */
export type CaptionPair = readonly [number, number];

/** Pop-on caption commands of data channel 1 (CC1), field 1: first byte 0x14. */
export const CEA608 = {
  /** Resume caption loading: the text that follows goes to the hidden memory. */
  RCL: [0x14, 0x20],
  /** Erase the hidden memory. */
  ENM: [0x14, 0x2e],
  /** Erase the displayed memory: the caption on screen goes away. */
  EDM: [0x14, 0x2c],
  /** End of caption: hidden and displayed memories swap, the loaded caption shows. */
  EOC: [0x14, 0x2f],
  /** Preamble address code: row 15, column 0, white. */
  PAC_ROW15: [0x14, 0x70],
} as const satisfies Record<string, CaptionPair>;

/** `byte` (7 bits) with its top bit set so that it holds an odd number of ones, as 608 requires. */
export function oddParity(byte: number): number {
  const low = byte & 0x7f;
  let ones = 0;
  for (let b = low; b > 0; b >>= 1) ones += b & 1;
  return ones % 2 === 1 ? low : low | 0x80;
}

/**
 * The 608 basic character set is ASCII except for a few code points (0x2A, 0x5C, 0x5E-0x60,
 * 0x7B-0x7F hold accented letters and symbols): captions here use the ASCII letters, digits,
 * space and common punctuation that mean the same in both.
 */
const SAME_AS_ASCII = /^[A-Za-z0-9 !"#$%&'()+,\-./:;<=>?@[\]]*$/;

/**
 * The pairs that load `text` as a pop-on caption (RCL, ENM, a row-15 PAC, the characters two a
 * frame), control codes sent twice as 608 does; EOC then shows it.
 */
export function popOnLoad(text: string): CaptionPair[] {
  if (!SAME_AS_ASCII.test(text)) throw new Error(`608 caption text must be plain ASCII: ${text}`);
  const twice = (code: CaptionPair) => [code, code];
  const chars: CaptionPair[] = [];
  for (let i = 0; i < text.length; i += 2) {
    chars.push([text.charCodeAt(i), i + 1 < text.length ? text.charCodeAt(i + 1) : 0x00]);
  }
  return [...twice(CEA608.RCL), ...twice(CEA608.ENM), ...twice(CEA608.PAC_ROW15), ...chars];
}

/** A caption on screen from `start` to `end` (seconds). */
export interface TimedCaption {
  text: string;
  start: number;
  end: number;
}

/**
 * One entry per frame at `fps`: the pair sent in that frame, or null. Each caption is loaded in
 * the frames just before its start, shown by EOC in the frame at `start` and erased by EDM in the
 * frame at `end`.
 */
export function captionSchedule(
  captions: readonly TimedCaption[],
  fps: number,
  frames: number,
): (CaptionPair | null)[] {
  const slots: (CaptionPair | null)[] = new Array<CaptionPair | null>(frames).fill(null);
  const place = (frame: number, pairs: readonly CaptionPair[]) => {
    pairs.forEach((pair, i) => {
      const at = frame + i;
      if (at < 0 || at >= frames || slots[at] !== null) {
        throw new Error(`608 schedule: frame ${at} is taken or out of the clip`);
      }
      slots[at] = pair;
    });
  };
  for (const caption of captions) {
    const show = Math.round(caption.start * fps);
    const load = popOnLoad(caption.text);
    place(show - load.length, load);
    place(show, [CEA608.EOC, CEA608.EOC]);
    place(Math.round(caption.end * fps), [CEA608.EDM, CEA608.EDM]);
  }
  return slots;
}

/** Inserts emulation prevention bytes: no 00 00 followed by 00..03 may appear in a NAL unit. */
export function escapeRbsp(rbsp: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 0x03) {
      out.push(0x03);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

/**
 * An SEI NAL unit (no start code) holding one frame's A/53 caption data: US country code, ATSC
 * provider, "GA94", cc_data with one field-1 triplet (the pair with odd parity, or a padding
 * triplet when the frame sends nothing), then the RBSP trailing bits.
 */
export function captionSeiNal(pair: CaptionPair | null): Uint8Array {
  const triplet = pair ? [0xfc, oddParity(pair[0]), oddParity(pair[1])] : [0xfa, 0x00, 0x00];
  const ccCount = 1;
  const payload = [
    0xb5, // itu_t_t35_country_code: United States
    0x00,
    0x31, // itu_t_t35_provider_code: ATSC
    ...[0x47, 0x41, 0x39, 0x34], // user_identifier "GA94"
    0x03, // user_data_type_code: cc_data
    0x40 | ccCount, // process_cc_data_flag, cc_count
    0xff, // em_data
    ...triplet,
    0xff, // marker_bits
  ];
  const USER_DATA_REGISTERED_ITU_T_T35 = 4;
  const rbsp = [USER_DATA_REGISTERED_ITU_T_T35, payload.length, ...payload, 0x80];
  return Uint8Array.from([0x06, ...escapeRbsp(Uint8Array.from(rbsp))]);
}

/** The NAL units of an Annex B stream, without their start codes. */
export function splitAnnexB(stream: Uint8Array): Uint8Array[] {
  const starts: { at: number; payload: number }[] = [];
  for (let i = 0; i + 2 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      starts.push({ at: i > 0 && stream[i - 1] === 0 ? i - 1 : i, payload: i + 3 });
      i += 2;
    }
  }
  return starts.map((s, n) => stream.subarray(s.payload, starts[n + 1]?.at ?? stream.length));
}

const nalType = (nal: Uint8Array) => (nal[0] ?? 0) & 0x1f;

/**
 * A copy of an H.264 Annex B stream with the caption SEI of `frames[n]` before the first slice of
 * its n-th picture. The stream must have no B-frames (decode order is then display order) and one
 * slice per picture (x264's default), so each coded slice starts a picture.
 */
export function insertCaptionSei(stream: Uint8Array, frames: readonly (CaptionPair | null)[]): Uint8Array {
  const START = Uint8Array.from([0, 0, 0, 1]);
  const chunks: Uint8Array[] = [];
  let picture = 0;
  for (const nal of splitAnnexB(stream)) {
    const type = nalType(nal);
    if (type === 1 || type === 5) {
      chunks.push(START, captionSeiNal(frames[picture] ?? null));
      picture++;
    }
    chunks.push(START, nal);
  }
  return Buffer.concat(chunks);
}

/**
 * The same captions as a Scenarist SCC file (what caption tools write for QuickTime's `c608`
 * tracks): per caption, one line at its start that loads and shows it, one at its end that erases
 * it. Timecodes are non-drop at 30 frames a second.
 */
export function sccDocument(captions: readonly TimedCaption[]): string {
  const word = ([a, b]: CaptionPair) => ((oddParity(a) << 8) | oddParity(b)).toString(16).padStart(4, '0');
  const timecode = (seconds: number) => {
    const frames = Math.round(seconds * 30);
    const two = (n: number) => String(n).padStart(2, '0');
    const s = Math.floor(frames / 30);
    return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}:${two(frames % 30)}`;
  };
  const lines = ['Scenarist_SCC V1.0', ''];
  for (const c of captions) {
    const show = [...popOnLoad(c.text), CEA608.EOC, CEA608.EOC];
    lines.push(`${timecode(c.start)}\t${show.map(word).join(' ')}`, '');
    lines.push(`${timecode(c.end)}\t${[CEA608.EDM, CEA608.EDM].map(word).join(' ')}`, '');
  }
  return lines.join('\n');
}
