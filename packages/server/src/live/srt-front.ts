import { createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import {
  HEADER_BYTES,
  HS_CONCLUSION,
  HS_INDUCTION,
  inductionRequest,
  inductionResponse,
  isControl,
  parseHandshake,
  publishKeyOf,
  rejection,
  REJECT_BAD_REQUEST,
  rewriteHandshake,
  type SrtHandshake,
} from './srt-handshake.ts';

/** What the front asks before anything of a caller goes further: its key, then a listener to relay to. */
export type SrtAccept = (request: {
  streamKey: string;
  remote: string;
  /** Ends the caller's relay (a refusal later on, a completed or disabled stream). */
  disconnect: () => void;
}) => Promise<SrtListener | { refused: number }>;

/** The packager's SRT listener on loopback a caller is relayed to. */
export interface SrtListener {
  port: number;
  /** The relay ended (the caller went quiet, or was disconnected): the listener stops. */
  close(): void;
}

export interface SrtFrontOptions {
  accept: SrtAccept;
  onError: (err: unknown) => void;
  /** A relay with no packet from its caller this long is closed. */
  idleMs?: number;
  /** Relays (starting or running) at once, in all and from one IP address. */
  maxRelays?: number;
  maxRelaysPerIp?: number;
}

const COOKIE_PERIOD_MS = 60_000;
const IDLE_MS = 10_000;
/** How long the front tries to reach the packager's listener (it is starting). */
const LISTENER_WAIT_MS = 10_000;
const LISTENER_RETRY_MS = 100;
/** A refused caller's retransmitted conclusions are answered from here, not checked again. */
const REFUSED_MS = 5000;
const MAX_REFUSED = 1024;

interface Relay {
  remote: { address: string; port: number };
  ip: string;
  callerSocketId: number;
  state: 'checking' | 'connecting' | 'relaying' | 'closed';
  /** The newest conclusion from the caller, handed on once the listener answered the induction. */
  conclusion: Buffer;
  socket: dgram.Socket | null;
  listener: SrtListener | null;
  listenerSocketId: number;
  listenerCookie: number;
  /** The socket id and cookie the front answered the caller's induction with. */
  frontSocketId: number;
  lastHeard: number;
  timers: NodeJS.Timeout[];
}

/**
 * The SRT port: one UDP socket for every stream. It answers callers' inductions itself (a cookie
 * bound to their address, so it keeps no state for them), reads the stream id of their
 * conclusion, and only for a key `accept` takes does it relay them, datagram for datagram, to a
 * packager's own SRT listener on loopback: the front performs the listener's induction from the
 * relay socket and hands on the caller's conclusion with the listener's cookie. A refused caller
 * gets an SRT rejection; nothing is started for it.
 */
export class SrtFront {
  private socket = dgram.createSocket('udp4');
  private readonly secret = randomBytes(32);
  private readonly socketId = randomBytes(4).readUInt32BE(0) & 0x3fffffff;
  private readonly relays = new Map<string, Relay>();
  private readonly refused = new Map<string, { packet: Buffer; until: number }>();
  private readonly idleTimer: NodeJS.Timeout;
  private readonly started = Date.now();
  private closed = false;

  constructor(private readonly opts: SrtFrontOptions) {
    this.attach();
    this.idleTimer = setInterval(() => {
      this.closeIdle();
    }, 1000).unref();
  }

  private attach(): void {
    this.socket.on('message', (packet, rinfo) => {
      try {
        this.onCallerPacket(packet, rinfo);
      } catch (err) {
        this.opts.onError(err);
      }
    });
    this.socket.on('error', this.opts.onError);
  }

  /** Binds the port; an IPv6 host (`::`) takes a UDP6 socket. */
  async listen(port: number, host: string): Promise<void> {
    if (host.includes(':')) {
      this.socket.close();
      this.socket = dgram.createSocket('udp6');
      this.attach();
    }
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, host, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Relays running or starting (for tests and metrics). */
  get relayCount(): number {
    return this.relays.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleTimer);
    for (const relay of [...this.relays.values()]) this.closeRelay(relay);
    this.socket.close();
  }

  private timestamp(): number {
    return ((Date.now() - this.started) * 1000) >>> 0;
  }

  private cookieFor(address: string, port: number, period: number): number {
    const mac = createHmac('sha256', this.secret).update(`${address}:${port}:${period}`).digest();
    return mac.readUInt32BE(0);
  }

  private cookieValid(cookie: number, address: string, port: number): boolean {
    const period = Math.floor(Date.now() / COOKIE_PERIOD_MS);
    return (
      cookie === this.cookieFor(address, port, period) || cookie === this.cookieFor(address, port, period - 1)
    );
  }

  private onCallerPacket(packet: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    const relay = this.relays.get(key);
    if (relay?.state === 'relaying') {
      relay.lastHeard = Date.now();
      const handshake = isControl(packet) ? parseHandshake(packet) : null;
      const out =
        handshake?.type === HS_CONCLUSION
          ? rewriteHandshake(packet, {
              cookie: relay.listenerCookie,
              destFrom: relay.frontSocketId,
              destTo: relay.listenerSocketId,
            })
          : packet;
      relay.socket?.send(out, relay.listener?.port ?? 0, '127.0.0.1');
      return;
    }
    const handshake = parseHandshake(packet);
    if (!handshake) return;
    if (handshake.type === HS_INDUCTION) {
      const period = Math.floor(Date.now() / COOKIE_PERIOD_MS);
      const cookie = this.cookieFor(rinfo.address, rinfo.port, period);
      const answer = inductionResponse(handshake, {
        socketId: this.socketId,
        cookie,
        timestamp: this.timestamp(),
      });
      this.socket.send(answer, rinfo.port, rinfo.address);
      return;
    }
    if (handshake.type !== HS_CONCLUSION || !this.cookieValid(handshake.cookie, rinfo.address, rinfo.port))
      return;
    if (relay) {
      relay.lastHeard = Date.now();
      relay.conclusion = packet;
      return;
    }
    const refused = this.refused.get(key);
    if (refused && refused.until > Date.now()) {
      this.socket.send(refused.packet, rinfo.port, rinfo.address);
      return;
    }
    this.startRelay(packet, handshake, rinfo);
  }

  private refuse(handshake: SrtHandshake, rinfo: dgram.RemoteInfo, reason: number): void {
    const packet = rejection(handshake, reason, this.timestamp());
    const now = Date.now();
    for (const [k, v] of this.refused)
      if (v.until <= now || this.refused.size >= MAX_REFUSED) this.refused.delete(k);
    this.refused.set(`${rinfo.address}:${rinfo.port}`, { packet, until: now + REFUSED_MS });
    this.socket.send(packet, rinfo.port, rinfo.address);
  }

  private startRelay(packet: Buffer, handshake: SrtHandshake, rinfo: dgram.RemoteInfo): void {
    // A passphrase is not supported: the packager's listener would refuse it anyway, later.
    if (handshake.encrypted) {
      this.refuse(handshake, rinfo, REJECT_BAD_REQUEST);
      return;
    }
    let fromIp = 0;
    for (const r of this.relays.values()) if (r.ip === rinfo.address) fromIp++;
    if (this.relays.size >= (this.opts.maxRelays ?? 64) || fromIp >= (this.opts.maxRelaysPerIp ?? 8)) return;
    const relay: Relay = {
      remote: { address: rinfo.address, port: rinfo.port },
      ip: rinfo.address,
      callerSocketId: handshake.socketId,
      state: 'checking',
      conclusion: packet,
      socket: null,
      listener: null,
      listenerSocketId: 0,
      listenerCookie: 0,
      frontSocketId: this.socketId,
      lastHeard: Date.now(),
      timers: [],
    };
    const key = `${rinfo.address}:${rinfo.port}`;
    this.relays.set(key, relay);
    const streamKey = handshake.streamId === null ? '' : (publishKeyOf(handshake.streamId) ?? '');
    this.opts
      .accept({
        streamKey,
        remote: key,
        disconnect: () => {
          this.closeRelay(relay);
        },
      })
      .then((verdict) => {
        if ('refused' in verdict) {
          this.relays.delete(key);
          this.refuse(handshake, rinfo, verdict.refused);
          return;
        }
        if (relay.state === 'closed') {
          verdict.close();
          return;
        }
        relay.listener = verdict;
        this.connect(relay);
      })
      .catch((err: unknown) => {
        this.closeRelay(relay);
        this.opts.onError(err);
      });
  }

  /** The front's own induction with the packager's listener, from the relay socket; then the caller's conclusion. */
  private connect(relay: Relay): void {
    const listener = relay.listener;
    if (!listener) return;
    relay.state = 'connecting';
    const socket = dgram.createSocket('udp4');
    relay.socket = socket;
    socket.on('error', (err) => {
      this.opts.onError(err);
      this.closeRelay(relay);
    });
    const ownSocketId = randomBytes(4).readUInt32BE(0) & 0x3fffffff;
    socket.on('message', (packet) => {
      if (relay.state === 'relaying') {
        this.socket.send(packet, relay.remote.port, relay.remote.address);
        return;
      }
      const answer = parseHandshake(packet);
      if (relay.state !== 'connecting' || answer?.type !== HS_INDUCTION) return;
      relay.listenerCookie = answer.cookie;
      relay.listenerSocketId = answer.socketId;
      relay.state = 'relaying';
      for (const t of relay.timers.splice(0)) clearInterval(t);
      socket.send(
        rewriteHandshake(relay.conclusion, {
          cookie: relay.listenerCookie,
          destFrom: relay.frontSocketId,
          destTo: relay.listenerSocketId,
        }),
        listener.port,
        '127.0.0.1',
      );
    });
    socket.bind(0, '127.0.0.1', () => {
      const deadline = Date.now() + LISTENER_WAIT_MS;
      const induce = () => {
        if (relay.state !== 'connecting') return;
        if (Date.now() > deadline) {
          this.closeRelay(relay);
          return;
        }
        const isn = randomBytes(4).readUInt32BE(0) & 0x7fffffff;
        socket.send(
          inductionRequest({ socketId: ownSocketId, isn, timestamp: this.timestamp() }),
          listener.port,
          '127.0.0.1',
        );
      };
      induce();
      relay.timers.push(setInterval(induce, LISTENER_RETRY_MS));
    });
  }

  private closeRelay(relay: Relay): void {
    if (relay.state === 'closed') return;
    const wasRelaying = relay.state === 'relaying';
    relay.state = 'closed';
    for (const t of relay.timers.splice(0)) clearInterval(t);
    this.relays.delete(`${relay.remote.address}:${relay.remote.port}`);
    if (wasRelaying)
      this.socket.send(shutdown(relay.callerSocketId), relay.remote.port, relay.remote.address);
    try {
      relay.socket?.close();
    } catch {
      // Closed already.
    }
    relay.listener?.close();
  }

  private closeIdle(): void {
    const before = Date.now() - (this.opts.idleMs ?? IDLE_MS);
    for (const relay of [...this.relays.values()]) {
      if (relay.state !== 'checking' && relay.lastHeard < before) this.closeRelay(relay);
    }
  }
}

/** An SRT shutdown control packet for the caller's socket. */
function shutdown(destSocketId: number): Buffer {
  const packet = Buffer.alloc(HEADER_BYTES + 4);
  packet.writeUInt32BE(0x80050000, 0);
  packet.writeUInt32BE(destSocketId >>> 0, 12);
  return packet;
}
