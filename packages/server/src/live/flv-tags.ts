/** A media message of a publisher, as Kino keeps it (its bytes copied out of the parser's buffer). */
export interface IngestPacket {
  /** FLV tag type: 8 audio, 9 video, 18 script data. */
  type: 8 | 9 | 18;
  /** FLV codec id (7 H.264, 10 AAC) or an enhanced-RTMP FourCC as a number. */
  codecId: number;
  /** 0 AAC header, 2 video header, 3 keyframe, 1/4 other frames, 5 metadata. */
  flags: number;
  dts: number;
  data: Buffer;
}

export const FLV_AUDIO = 8;
export const FLV_VIDEO = 9;
const FLV_CODEC_H264 = 7;
const FLV_CODEC_AAC = 10;

/** The FLV file header (audio and video flags set) and the first PreviousTagSize. */
export function flvHeader(hasAudio: boolean, hasVideo: boolean): Buffer {
  const header = Buffer.from([0x46, 0x4c, 0x56, 0x01, 0, 0, 0, 0, 9, 0, 0, 0, 0]);
  header[4] = (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0);
  return header;
}

/** One FLV tag (with its trailing PreviousTagSize) at timestamp `dts`. */
export function flvTag(packet: IngestPacket, dts: number): Buffer {
  const size = packet.data.length;
  const tag = Buffer.alloc(11 + size + 4);
  tag[0] = packet.type;
  tag.writeUIntBE(size, 1, 3);
  tag.writeUIntBE(dts & 0xffffff, 4, 3);
  tag[7] = (dts >>> 24) & 0xff;
  packet.data.copy(tag, 11);
  tag.writeUInt32BE(11 + size, 11 + size);
  return tag;
}

export function videoCodecOf(packet: IngestPacket): 'h264' | 'other' {
  return packet.codecId === FLV_CODEC_H264 ? 'h264' : 'other';
}

export function audioCodecOf(packet: IngestPacket): 'aac' | 'other' {
  return packet.codecId === FLV_CODEC_AAC ? 'aac' : 'other';
}
