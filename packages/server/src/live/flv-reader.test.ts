import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FlvFormatError, FlvReader, metadataHeight } from './flv-reader.ts';
import { flvHeader, flvTag, type IngestPacket } from './flv-tags.ts';

const avcHeader: IngestPacket = {
  type: 9,
  codecId: 7,
  flags: 2,
  dts: 0,
  data: Buffer.from([0x17, 0, 0, 0, 0, 1, 2]),
};
const keyframe: IngestPacket = {
  type: 9,
  codecId: 7,
  flags: 3,
  dts: 40,
  data: Buffer.from([0x17, 1, 0, 0, 0x21, 9, 9]),
};
const interframe: IngestPacket = {
  type: 9,
  codecId: 7,
  flags: 4,
  dts: 73,
  data: Buffer.from([0x27, 1, 0, 0, 0, 8]),
};
const aacHeader: IngestPacket = {
  type: 8,
  codecId: 10,
  flags: 0,
  dts: 0,
  data: Buffer.from([0xaf, 0, 0x12, 0x10]),
};
const aacFrame: IngestPacket = {
  type: 8,
  codecId: 10,
  flags: 1,
  dts: 21,
  data: Buffer.from([0xaf, 1, 5, 5]),
};
// A timestamp past 24 bits carries its top byte in the extension.
const late: IngestPacket = { ...interframe, dts: 0x1234567 };

const stream = Buffer.concat([
  flvHeader(true, true),
  ...[avcHeader, aacHeader, keyframe, aacFrame, interframe, late].map((p) => flvTag(p, p.dts)),
]);

describe('FlvReader', () => {
  it('reads tags as the RTMP layer classifies them, whatever the chunking', () => {
    for (const size of [1, 3, 11, 16, 64, stream.length]) {
      const reader = new FlvReader();
      const packets: IngestPacket[] = [];
      for (let at = 0; at < stream.length; at += size)
        packets.push(...reader.push(stream.subarray(at, at + size)));
      expect(packets, `chunks of ${size}`).toEqual([
        avcHeader,
        aacHeader,
        keyframe,
        aacFrame,
        interframe,
        late,
      ]);
    }
  });

  it('gives out a packet only once its last byte came, and copies it out of the chunk', () => {
    const reader = new FlvReader();
    const bytes = Buffer.from(stream);
    const end = 13 + 11 + avcHeader.data.length + 4;
    expect(reader.push(bytes.subarray(0, end - 1))).toEqual([]);
    const [first] = reader.push(bytes.subarray(end - 1, end));
    expect(first).toEqual(avcHeader);
    bytes.fill(0);
    expect(first?.data).toEqual(avcHeader.data);
  });

  it('stops at bytes that are not FLV, or a tag whose trailing size disagrees', () => {
    expect(() => new FlvReader().push(Buffer.from('GIF89a-and-more-bytes'))).toThrow(FlvFormatError);
    const broken = Buffer.from(stream);
    broken.writeUInt32BE(5, 13 + 11 + avcHeader.data.length);
    expect(() => new FlvReader().push(broken)).toThrow(FlvFormatError);
  });

  it('skips tags too short to classify, and tags of other types', () => {
    const tiny: IngestPacket = { type: 9, codecId: 7, flags: 4, dts: 1, data: Buffer.from([0x27]) };
    const other = flvTag({ ...aacFrame, type: 8 }, 5);
    other[0] = 15;
    const packets = new FlvReader().push(
      Buffer.concat([flvHeader(true, true), flvTag(tiny, 1), other, flvTag(keyframe, 40)]),
    );
    expect(packets).toEqual([keyframe]);
  });

  it("reads what ffmpeg's FLV muxer writes: metadata with the height, H.264 and AAC headers first", () => {
    const flv = execFileSync(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25'],
        ...['-f', 'lavfi', '-i', 'sine', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25'],
        ...['-c:a', 'aac', '-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1'],
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const packets = new FlvReader().push(flv);
    const [meta] = packets;
    expect(meta?.type).toBe(18);
    expect(metadataHeight(meta?.data ?? Buffer.alloc(0))).toBe(180);
    expect(packets.find((p) => p.type === 9)).toMatchObject({ codecId: 7, flags: 2 });
    expect(packets.find((p) => p.type === 8)).toMatchObject({ codecId: 10, flags: 0 });
    // Coded frames (an end-of-sequence tag follows them).
    const video = packets.filter((p) => p.type === 9 && p.data[1] === 1);
    expect(video).toHaveLength(25);
    expect(video[0]?.flags).toBe(3);
    expect((video.at(-1)?.dts ?? 0) - (video[0]?.dts ?? 0)).toBe(960);
  });
});
