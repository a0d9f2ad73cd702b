/**
 * The parts of SRT's wire format (draft-sharabayko-srt, HSv5) the ingest front reads and writes:
 * the 16-byte packet header, the handshake's control information (CIF) and its extensions, the
 * stream id. Pure: buffers in, buffers or values out.
 */

export const HEADER_BYTES = 16;
const CIF_BYTES = 48;
/** Handshake types. */
export const HS_INDUCTION = 1;
export const HS_CONCLUSION = 0xffffffff;
/** The extension field a listener answers an induction with (HSv5). */
const SRT_MAGIC = 0x4a17;
const UDT_DGRAM = 2;
const EXT_SID = 5;
const EXT_KMREQ = 3;
/** Rejection reasons (libsrt's SRT_REJX_*: 1000 + an HTTP status); on the wire 1000 more. */
export const REJECT_BAD_REQUEST = 1400;
export const REJECT_FORBIDDEN = 1403;
export const REJECT_NOT_FOUND = 1404;
export const REJECT_CONFLICT = 1409;
/** The longest stream id SRT carries (512 bytes). */
const MAX_SID_BYTES = 512;

export interface SrtHandshake {
  /** From the packet header: the socket the packet is for (0 before a connection exists). */
  destSocketId: number;
  version: number;
  encryption: number;
  extensionField: number;
  isn: number;
  mtu: number;
  flowWindow: number;
  /** HS_INDUCTION, HS_CONCLUSION, or another (a rejection: 1000 and up). */
  type: number;
  socketId: number;
  cookie: number;
  /** The stream id extension of a conclusion, or null. */
  streamId: string | null;
  /** The caller asked for encryption (a KMREQ extension: it set a passphrase). */
  encrypted: boolean;
}

/** True for a control packet (the F bit). */
export function isControl(packet: Buffer): boolean {
  return packet.length >= HEADER_BYTES && (packet.readUInt8(0) & 0x80) !== 0;
}

/** The handshake a packet carries, or null when it is none or is malformed. */
export function parseHandshake(packet: Buffer): SrtHandshake | null {
  if (packet.length < HEADER_BYTES + CIF_BYTES || !isControl(packet)) return null;
  if ((packet.readUInt32BE(0) & 0x7fffffff) >>> 16 !== 0) return null;
  const cif = HEADER_BYTES;
  const handshake: SrtHandshake = {
    destSocketId: packet.readUInt32BE(12),
    version: packet.readUInt32BE(cif),
    encryption: packet.readUInt16BE(cif + 4),
    extensionField: packet.readUInt16BE(cif + 6),
    isn: packet.readUInt32BE(cif + 8),
    mtu: packet.readUInt32BE(cif + 12),
    flowWindow: packet.readUInt32BE(cif + 16),
    type: packet.readUInt32BE(cif + 20),
    socketId: packet.readUInt32BE(cif + 24),
    cookie: packet.readUInt32BE(cif + 28),
    streamId: null,
    encrypted: false,
  };
  let at = cif + CIF_BYTES;
  while (at + 4 <= packet.length) {
    const type = packet.readUInt16BE(at);
    const bytes = packet.readUInt16BE(at + 2) * 4;
    const start = at + 4;
    if (start + bytes > packet.length) return null;
    if (type === EXT_SID) {
      if (bytes > MAX_SID_BYTES) return null;
      handshake.streamId = decodeStreamId(packet.subarray(start, start + bytes));
    }
    if (type === EXT_KMREQ) handshake.encrypted = true;
    at = start + bytes;
  }
  return handshake;
}

/** A stream id's bytes come reversed within each 32-bit word, NUL padded. */
export function decodeStreamId(words: Buffer): string {
  const bytes = Buffer.from(words);
  for (let i = 0; i + 4 <= bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

/** The wire form of a stream id extension's content (the reverse of decodeStreamId). */
export function encodeStreamId(id: string): Buffer {
  const text = Buffer.from(id, 'utf8');
  const bytes = Buffer.alloc(Math.ceil(text.length / 4) * 4);
  text.copy(bytes);
  for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  return bytes;
}

function handshakePacket(destSocketId: number, timestamp: number): Buffer {
  const packet = Buffer.alloc(HEADER_BYTES + CIF_BYTES);
  packet.writeUInt32BE(0x80000000, 0);
  packet.writeUInt32BE(timestamp >>> 0, 8);
  packet.writeUInt32BE(destSocketId >>> 0, 12);
  return packet;
}

/**
 * A listener's answer to a caller's induction: HSv5, its own socket id and cookie, the caller's
 * sequence number, MTU and window as asked.
 */
export function inductionResponse(
  request: SrtHandshake,
  opts: { socketId: number; cookie: number; timestamp: number },
): Buffer {
  const packet = handshakePacket(request.socketId, opts.timestamp);
  const cif = HEADER_BYTES;
  packet.writeUInt32BE(5, cif);
  packet.writeUInt16BE(0, cif + 4);
  packet.writeUInt16BE(SRT_MAGIC, cif + 6);
  packet.writeUInt32BE(request.isn >>> 0, cif + 8);
  packet.writeUInt32BE(request.mtu >>> 0, cif + 12);
  packet.writeUInt32BE(request.flowWindow >>> 0, cif + 16);
  packet.writeUInt32BE(HS_INDUCTION, cif + 20);
  packet.writeUInt32BE(opts.socketId >>> 0, cif + 24);
  packet.writeUInt32BE(opts.cookie >>> 0, cif + 28);
  return packet;
}

/** A caller's induction request (what the front sends the packager's listener). */
export function inductionRequest(opts: { socketId: number; isn: number; timestamp: number }): Buffer {
  const packet = handshakePacket(0, opts.timestamp);
  const cif = HEADER_BYTES;
  packet.writeUInt32BE(4, cif);
  packet.writeUInt16BE(UDT_DGRAM, cif + 6);
  packet.writeUInt32BE(opts.isn >>> 0, cif + 8);
  packet.writeUInt32BE(1500, cif + 12);
  packet.writeUInt32BE(8192, cif + 16);
  packet.writeUInt32BE(HS_INDUCTION, cif + 20);
  packet.writeUInt32BE(opts.socketId >>> 0, cif + 24);
  return packet;
}

/** A listener's refusal of a caller's handshake, with an SRT rejection reason. */
export function rejection(request: SrtHandshake, reason: number, timestamp: number): Buffer {
  const packet = handshakePacket(request.socketId, timestamp);
  const cif = HEADER_BYTES;
  packet.writeUInt32BE(5, cif);
  packet.writeUInt32BE(request.isn >>> 0, cif + 8);
  packet.writeUInt32BE(request.mtu >>> 0, cif + 12);
  packet.writeUInt32BE(request.flowWindow >>> 0, cif + 16);
  packet.writeUInt32BE(1000 + reason, cif + 20);
  packet.writeUInt32BE(request.socketId >>> 0, cif + 24);
  return packet;
}

/**
 * A copy of a caller's handshake with the cookie (and, when it named `from`, the destination
 * socket) replaced: the front hands the caller's conclusion on to the listener it answered for.
 */
export function rewriteHandshake(
  packet: Buffer,
  opts: { cookie: number; destFrom: number; destTo: number },
): Buffer {
  const copy = Buffer.from(packet);
  copy.writeUInt32BE(opts.cookie >>> 0, HEADER_BYTES + 28);
  if (copy.readUInt32BE(12) === opts.destFrom >>> 0) copy.writeUInt32BE(opts.destTo >>> 0, 12);
  return copy;
}

/**
 * The stream key a caller's stream id names for publishing: `publish:<key>`, or the access
 * control form `#!::r=<key>,m=publish`. Null for anything else (reading, another form).
 */
export function publishKeyOf(streamId: string): string | null {
  if (streamId.startsWith('publish:')) return streamId.slice('publish:'.length) || null;
  if (streamId.startsWith('#!::')) {
    const fields = new Map<string, string>();
    for (const pair of streamId.slice(4).split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const mode = fields.get('m') ?? 'request';
    const resource = fields.get('r');
    return mode === 'publish' && resource ? resource : null;
  }
  return null;
}
