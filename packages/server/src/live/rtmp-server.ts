import net from 'node:net';
import Rtmp from 'node-media-server/src/protocol/rtmp.js';
import nmsLogger from 'node-media-server/src/core/logger.js';
import type { IngestPacket } from './flv-tags.ts';
import { metadataHeight } from './flv-reader.ts';
import type { Publish, PublisherHandle } from './publisher.ts';

// node-media-server's protocol layer logs malformed AMF with console.log: only errors, please.
nmsLogger.level = 'error';

/** Bytes a publisher may send while its key is being checked. */
const PENDING_BYTES = 8 * 1024 * 1024;
/** The largest RTMP message taken (a 4K keyframe is a few MiB); the parser allocates what a header announces. */
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** What the parser may hold for one connection across its chunk streams. */
const MAX_PARSER_BYTES = 24 * 1024 * 1024;
const IDLE_TIMEOUT_MS = 30_000;
/** A client must have asked to publish by then (OBS and ffmpeg do within a second). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * node-media-server's parser allocates, before any key is checked, a buffer of whatever length a
 * chunk header announces (up to 16 MiB) on every chunk stream a client opens: bounded here, a
 * client past the bounds is dropped (the throw ends the connection in `parserData`'s caller).
 */
class BoundedRtmp extends Rtmp {
  override packetAlloc(): void {
    const wanted = this.parserPacket.header.length;
    if (wanted > MAX_MESSAGE_BYTES) throw new Error('RTMP message too large');
    if (this.parserPacket.capacity < wanted) {
      let held = 0;
      for (const packet of this.inPackets.values()) held += packet.capacity;
      if (held - this.parserPacket.capacity + wanted + 1024 > MAX_PARSER_BYTES) {
        throw new Error('RTMP messages in flight too large');
      }
    }
    super.packetAlloc();
  }
}

/**
 * RTMP ingest over node-media-server's protocol layer (handshake, chunk stream, AMF, FLV tags);
 * the session logic is Kino's: only app `live` publishes, nothing plays, and a publisher's media
 * goes nowhere until `publish` accepted its key. A refused publisher is disconnected and nothing
 * it sent is kept.
 */
export function createRtmpServer(
  publish: Publish,
  onError: (err: unknown) => void,
  opts: { handshakeTimeoutMs?: number } = {},
): net.Server {
  return net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    // The idle timeout alone keeps a client trickling a byte at a time forever.
    const handshakeDeadline = setTimeout(
      () => socket.destroy(),
      opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    ).unref();
    const rtmp = new BoundedRtmp();
    let app = '';
    let name = '';
    let handle: PublisherHandle | null = null;
    let pending: IngestPacket[] | null = null;
    let pendingBytes = 0;
    let height: number | null = null;
    let ended = false;
    let paused = false;
    // A publisher faster than its packager (no -re, a slow ladder) waits in TCP, not in memory.
    const take = (h: PublisherHandle, packet: IngestPacket) => {
      if (h.push(packet) || paused) return;
      paused = true;
      socket.pause();
      h.onDrain(() => {
        paused = false;
        if (!ended) socket.resume();
      });
    };
    const end = () => {
      if (ended) return;
      ended = true;
      socket.destroy();
    };
    rtmp.onOutputCallback = (buffer) => {
      if (!socket.destroyed) socket.write(buffer);
    };
    rtmp.onConnectCallback = (req) => {
      app = req.app;
      name = req.name;
    };
    rtmp.onPlayCallback = end;
    rtmp.onPushCallback = () => {
      clearTimeout(handshakeDeadline);
      if (app !== 'live' || pending !== null || handle !== null) {
        end();
        return;
      }
      pending = [];
      publish({
        protocol: 'rtmp',
        streamKey: name,
        remote: `${socket.remoteAddress}:${socket.remotePort}`,
        disconnect: end,
      }).then(
        (verdict) => {
          if ('refused' in verdict || ended) {
            pending = null;
            if (!('refused' in verdict)) verdict.closed();
            end();
            return;
          }
          handle = verdict;
          handle.setHeight(height);
          for (const packet of pending ?? []) take(handle, packet);
          pending = null;
        },
        (err: unknown) => {
          onError(err);
          end();
        },
      );
    };
    rtmp.onPacketCallback = (p) => {
      if (p.codec_type !== 8 && p.codec_type !== 9 && p.codec_type !== 18) return;
      const packet: IngestPacket = {
        type: p.codec_type,
        codecId: p.codec_id,
        flags: p.flags,
        dts: p.dts,
        // The parser reuses its buffer for the next message: keep a copy.
        data: Buffer.from(p.data.subarray(0, p.size)),
      };
      if (packet.type === 18) {
        height = metadataHeight(packet.data) ?? height;
        handle?.setHeight(height);
      }
      if (handle) {
        take(handle, packet);
        return;
      }
      if (pending === null) {
        end();
        return;
      }
      pendingBytes += packet.data.length;
      if (pendingBytes > PENDING_BYTES) {
        end();
        return;
      }
      pending.push(packet);
    };
    socket.on('data', (data) => {
      try {
        if (rtmp.parserData(data) !== null) end();
      } catch {
        // A malformed message (a bad tcUrl, broken AMF): the publisher is dropped, Kino goes on.
        end();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(handshakeDeadline);
      ended = true;
      pending = null;
      handle?.closed();
    });
  });
}
