// The parts of node-media-server's RTMP protocol layer Kino uses (the package ships no types).
declare module 'node-media-server/src/protocol/rtmp.js' {
  interface NmsPacket {
    codec_id: number;
    codec_type: number;
    flags: number;
    dts: number;
    pts: number;
    size: number;
    data: Buffer;
  }
  class Rtmp {
    /** The message being read, and every chunk stream's message buffer (by chunk stream id). */
    parserPacket: { header: { length: number }; capacity: number };
    inPackets: Map<number, { capacity: number }>;
    /** Grows the current message's buffer to its announced length (up to 16 MiB). */
    packetAlloc(): void;
    onConnectCallback: (req: { app: string; name: string; host: string; query: unknown }) => void;
    onPlayCallback: () => void;
    onPushCallback: () => void;
    onPacketCallback: (packet: NmsPacket) => void;
    onOutputCallback: (buffer: Buffer) => void;
    parserData(buffer: Buffer): string | null;
  }
  export = Rtmp;
}

declare module 'node-media-server/src/protocol/amf.js' {
  export function decodeAmf0Data(data: Buffer): { cmd?: string; dataObj?: Record<string, unknown> | null };
}

declare module 'node-media-server/src/core/logger.js' {
  const logger: { level: string };
  export = logger;
}

declare module 'node-media-server/src/protocol/flv.js' {
  class Flv {
    /** Classifies one FLV tag body as the RTMP layer does (codec id, flags: see IngestPacket). */
    static parserTag(
      type: number,
      time: number,
      size: number,
      data: Buffer,
    ): { codec_id: number; flags: number; dts: number; pts: number };
  }
  export = Flv;
}
