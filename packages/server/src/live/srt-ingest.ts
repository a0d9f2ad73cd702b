import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import path from 'node:path';
import { confinedRun } from '../processing/media-sandbox.ts';
import { mediaToolCommand } from '../processing/media-tools.ts';
import { FlvReader, metadataHeight } from './flv-reader.ts';
import { LIVE_LIMITS } from './live-packager.ts';
import type { Publish, PublisherHandle } from './publisher.ts';
import { SrtFront } from './srt-front.ts';
import { REJECT_CONFLICT, REJECT_FORBIDDEN } from './srt-handshake.ts';

/** ffmpeg's last words before it gives up on a codec FLV cannot carry (HEVC, VP9...). */
const UNSUPPORTED = /not compatible with flv|incorrect codec parameters/i;
const STOP_GRACE_MS = 5000;
/** The work folders of SRT remuxers (see live-work-folders.ts). */
export const SRT_FOLDER_PREFIX = 'srt-';

/**
 * The ffmpeg that takes one SRT publisher: an SRT listener on a loopback port (the front relays the
 * caller to it), MPEG-TS in, the same streams copied out as FLV on stdout. Pure.
 */
export function srtRemuxArgs(port: number): string[] {
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-protocol_whitelist', 'srt'],
    // It exits by itself if the front never reaches it, and when the caller goes quiet.
    ...['-f', 'mpegts', '-i', `srt://127.0.0.1:${port}?mode=listener&listen_timeout=15000000`],
    ...['-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy'],
    ...['-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1'],
  ];
}

/**
 * The SRT ingest: the UDP front on the SRT port, each accepted caller remuxed into the ingest by an
 * ffmpeg confined as the packager is (limits, the media user, an empty work folder under `workRoot`).
 */
export function createSrtIngest(
  publish: Publish,
  onError: (err: unknown) => void,
  workRoot: string,
): SrtFront {
  return new SrtFront({
    onError,
    accept: async ({ streamKey, remote, disconnect }) => {
      const verdict = await publish({ protocol: 'srt', streamKey, remote, disconnect });
      if ('refused' in verdict) {
        return { refused: verdict.refused === 'live_stream_busy' ? REJECT_CONFLICT : REJECT_FORBIDDEN };
      }
      let port: number;
      let workdir: string;
      try {
        port = await freeUdpPort();
        await fs.mkdir(workRoot, { recursive: true });
        workdir = await fs.mkdtemp(path.join(workRoot, SRT_FOLDER_PREFIX));
      } catch (err) {
        verdict.closed();
        throw err;
      }
      const remux = new SrtRemux(port, workdir, verdict, disconnect);
      return {
        port,
        close: () => {
          remux.stop();
        },
      };
    },
  });
}

/** One SRT publisher's ffmpeg: its FLV read into ingest packets for the publisher's handle. */
class SrtRemux {
  private readonly child: ChildProcess;
  private readonly reader = new FlvReader();
  private stderr = '';
  private packets = 0;
  private paused = false;
  private exited = false;

  constructor(
    port: number,
    workdir: string,
    private readonly handle: PublisherHandle,
    /** Ends the relay (ffmpeg exited, or sent what Kino cannot read). */
    private readonly disconnect: () => void,
  ) {
    const confined = confinedRun('ffmpeg', srtRemuxArgs(port), { limits: LIVE_LIMITS, workdir });
    const command = mediaToolCommand(confined.tool, confined.args);
    this.child = spawn(command.file, command.args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: confined.cwd });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4096);
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.read(chunk);
    });
    this.child.on('error', () => undefined);
    this.child.on('close', () => {
      this.exited = true;
      void fs.rm(workdir, { recursive: true, force: true });
      if (this.packets === 0 && UNSUPPORTED.test(this.stderr)) {
        handle.unsupported(`the publisher sends video Kino cannot take over SRT: ${this.stderr.trim()}`);
      }
      handle.closed();
      disconnect();
    });
  }

  private read(chunk: Buffer): void {
    let packets;
    try {
      packets = this.reader.push(chunk);
    } catch {
      this.stop();
      return;
    }
    for (const packet of packets) {
      this.packets++;
      if (packet.type === 18) this.handle.setHeight(metadataHeight(packet.data));
      if (this.handle.push(packet) || this.paused) continue;
      // A packager behind: ffmpeg waits on its pipe, and SRT's own flow control holds the caller.
      this.paused = true;
      this.child.stdout?.pause();
      this.handle.onDrain(() => {
        this.paused = false;
        this.child.stdout?.resume();
      });
    }
  }

  /** The relay ended: ffmpeg hands on what it holds, then is killed if it lingers. */
  stop(): void {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    setTimeout(() => {
      if (!this.exited) this.child.kill('SIGKILL');
    }, STOP_GRACE_MS).unref();
  }
}

/** A UDP port free on loopback now (ffmpeg's listener binds it right after). */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', resolve);
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}
