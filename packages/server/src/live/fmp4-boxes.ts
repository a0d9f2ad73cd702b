/**
 * Just enough ISO BMFF reading for live packaging: what an init segment holds (codec string,
 * picture size, timescale) and where a media segment starts (its tfdt). Pure; never trusts a
 * size that runs past the buffer.
 */

export interface InitInfo {
  kind: 'video' | 'audio';
  /** RFC 6381 codec string for CODECS / @codecs, e.g. avc1.64001f or mp4a.40.2. */
  codecs: string;
  /** The sample entry's four-character code (avc1, hvc1, mp4a, …). */
  sampleEntry: string;
  timescale: number;
  width: number | null;
  height: number | null;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'moof', 'traf', 'mvex', 'edts']);

interface Box {
  type: string;
  start: number;
  /** First byte after the header. */
  body: number;
  end: number;
}

function* boxes(buf: Buffer, start: number, end: number): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > end) return;
      size = Number(buf.readBigUInt64BE(at + 8));
      body = at + 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < body - at || at + size > end) return;
    yield { type, start: at, body, end: at + size };
    at += size;
  }
}

/** The first box between `start` and `end`. */
function firstBox(buf: Buffer, start: number, end: number): Box | null {
  for (const box of boxes(buf, start, end)) return box;
  return null;
}

/** The first box of `path` (types from the outside in), searching containers only. */
function find(buf: Buffer, path: readonly string[], start = 0, end = buf.length): Box | null {
  for (const box of boxes(buf, start, end)) {
    if (box.type !== path[0]) continue;
    if (path.length === 1) return box;
    if (!CONTAINERS.has(box.type)) return null;
    const inner = find(buf, path.slice(1), box.body, box.end);
    if (inner) return inner;
  }
  return null;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** What the first track of an init segment carries; null when it is not one Kino can describe. */
export function readInit(buf: Buffer): InitInfo | null {
  const hdlr = find(buf, ['moov', 'trak', 'mdia', 'hdlr']);
  const mdhd = find(buf, ['moov', 'trak', 'mdia', 'mdhd']);
  const stsd = find(buf, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd']);
  if (!hdlr || !mdhd || !stsd || hdlr.body + 12 > hdlr.end) return null;
  const handler = buf.toString('latin1', hdlr.body + 8, hdlr.body + 12);
  const mdhdVersion = buf[mdhd.body] ?? 0;
  const timescaleAt = mdhd.body + (mdhdVersion === 1 ? 20 : 12);
  if (timescaleAt + 4 > mdhd.end) return null;
  const timescale = buf.readUInt32BE(timescaleAt);
  // stsd: version/flags (4), entry count (4), then the first sample entry box.
  const entry = firstBox(buf, stsd.body + 8, stsd.end);
  if (!entry) return null;
  if (handler === 'vide') {
    // Visual sample entry: 6 reserved + 2 index + 16 predefined, width and height, … 78 bytes in all.
    const width = entry.body + 26 <= entry.end ? buf.readUInt16BE(entry.body + 24) : null;
    const height = entry.body + 28 <= entry.end ? buf.readUInt16BE(entry.body + 26) : null;
    let codecs = entry.type;
    if (entry.type === 'avc1' || entry.type === 'avc3') {
      const avcC = find(buf, ['avcC'], entry.body + 78, entry.end);
      if (avcC && avcC.body + 4 <= avcC.end) {
        codecs = `${entry.type}.${hex2(buf[avcC.body + 1] ?? 0)}${hex2(buf[avcC.body + 2] ?? 0)}${hex2(buf[avcC.body + 3] ?? 0)}`;
      }
    }
    return { kind: 'video', codecs, sampleEntry: entry.type, timescale, width, height };
  }
  if (handler === 'soun') {
    let codecs = entry.type;
    if (entry.type === 'mp4a') {
      const esds = find(buf, ['esds'], entry.body + 28, entry.end);
      const aot = esds ? audioObjectType(buf, esds) : null;
      codecs = `mp4a.40.${aot ?? 2}`;
    }
    return { kind: 'audio', codecs, sampleEntry: entry.type, timescale, width: null, height: null };
  }
  return null;
}

/** The AAC audio object type from an esds box's DecoderSpecificInfo (tag 5). */
function audioObjectType(buf: Buffer, esds: Box): number | null {
  for (let at = esds.body + 4; at < esds.end - 2; at++) {
    if (buf[at] !== 0x05) continue;
    // Descriptor length: up to four bytes, 7 bits each.
    let p = at + 1;
    for (let i = 0; i < 4 && (buf[p] ?? 0) & 0x80; i++) p++;
    const first = buf[p + 1];
    return first === undefined ? null : first >> 3;
  }
  return null;
}

/** A media segment's first decode time, in its track's timescale; null when it has none. */
export function readSegmentStart(buf: Buffer): number | null {
  const tfdt = find(buf, ['moof', 'traf', 'tfdt']);
  if (!tfdt || tfdt.body + 8 > tfdt.end) return null;
  return buf[tfdt.body] === 1 ? Number(buf.readBigUInt64BE(tfdt.body + 4)) : buf.readUInt32BE(tfdt.body + 4);
}
