import Flv from 'node-media-server/src/protocol/flv.js';
import { decodeAmf0Data } from 'node-media-server/src/protocol/amf.js';
import type { IngestPacket } from './flv-tags.ts';

const FILE_HEADER_BYTES = 9;
const TAG_HEADER_BYTES = 11;
const PREVIOUS_SIZE_BYTES = 4;

/** An FLV stream Kino cannot read: the reader stops there. */
export class FlvFormatError extends Error {}

/**
 * Reads an FLV byte stream (a file header, then tags each followed by its PreviousTagSize) as it
 * arrives in chunks of any size, and hands out its audio, video and script tags as ingest packets
 * classified as the RTMP path classifies them (node-media-server's tag reader). Pure: bytes in,
 * packets out; a tag is held only until its last byte came (at most 16 MiB, FLV's own bound).
 */
export class FlvReader {
  private chunks: Buffer[] = [];
  private held = 0;
  private headerRead = false;

  /** The packets completed by `chunk`; throws FlvFormatError on a stream that is not FLV. */
  push(chunk: Buffer): IngestPacket[] {
    this.chunks.push(chunk);
    this.held += chunk.length;
    const packets: IngestPacket[] = [];
    for (;;) {
      if (!this.headerRead) {
        if (this.held < FILE_HEADER_BYTES + PREVIOUS_SIZE_BYTES) return packets;
        const head = this.take(FILE_HEADER_BYTES + PREVIOUS_SIZE_BYTES);
        if (head.toString('latin1', 0, 3) !== 'FLV') throw new FlvFormatError('not an FLV stream');
        const offset = head.readUInt32BE(5);
        if (offset !== FILE_HEADER_BYTES) throw new FlvFormatError(`unexpected FLV header size ${offset}`);
        this.headerRead = true;
        continue;
      }
      if (this.held < TAG_HEADER_BYTES) return packets;
      const first = this.peek(TAG_HEADER_BYTES);
      const size = first.readUIntBE(1, 3);
      const total = TAG_HEADER_BYTES + size + PREVIOUS_SIZE_BYTES;
      if (this.held < total) return packets;
      const tag = this.take(total);
      if (tag.readUInt32BE(TAG_HEADER_BYTES + size) !== TAG_HEADER_BYTES + size) {
        throw new FlvFormatError('FLV tag size mismatch');
      }
      const type = tag.readUInt8(0) & 0x1f;
      if (type !== 8 && type !== 9 && type !== 18) continue;
      const dts = (tag.readUIntBE(4, 3) | (tag.readUInt8(7) << 24)) >>> 0;
      const packet = packetOf(
        type,
        dts,
        Buffer.from(tag.subarray(TAG_HEADER_BYTES, TAG_HEADER_BYTES + size)),
      );
      if (packet) packets.push(packet);
    }
  }

  private peek(n: number): Buffer {
    return this.flatten().subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.flatten();
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.held -= n;
    return out;
  }

  /** The held bytes as one buffer. */
  private flatten(): Buffer {
    const all = this.chunks.length === 1 && this.chunks[0] ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [all];
    return all;
  }
}

/** An FLV tag body as an ingest packet (codec id and flags read from its first bytes), or null if too short. */
export function packetOf(type: 8 | 9 | 18, dts: number, data: Buffer): IngestPacket | null {
  if ((type === 8 && data.length < 2) || (type === 9 && data.length < 5)) return null;
  const parsed = Flv.parserTag(type, dts, data.length, data);
  return { type, codecId: parsed.codec_id, flags: parsed.flags, dts, data };
}

/** The picture height an onMetaData script tag names, or null. */
export function metadataHeight(data: Buffer): number | null {
  try {
    const meta = decodeAmf0Data(data);
    const height = meta.dataObj?.height;
    return typeof height === 'number' ? height : null;
  } catch {
    return null;
  }
}
