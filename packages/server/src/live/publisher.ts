import type { IngestPacket } from './flv-tags.ts';

/** What the ingest makes of a publisher once its key was checked (RTMP and SRT alike). */
export interface PublisherHandle {
  /** False when the packet was taken but no more should come until `onDrain` calls back. */
  push(packet: IngestPacket): boolean;
  onDrain(listener: () => void): void;
  setHeight(height: number | null): void;
  /** The publisher sends what Kino cannot carry (found before any packet reached the ingest). */
  unsupported(message: string): void;
  /** The connection closed (the publisher left or was disconnected). */
  closed(): void;
}

export interface PublishRequest {
  protocol: 'rtmp' | 'srt';
  streamKey: string;
  remote: string;
  /** Disconnects the publisher (a refusal, a completed or disabled stream). */
  disconnect: () => void;
}

/** Decides about a publisher: a handle to feed, or a refusal (the connection is then closed). */
export type Publish = (request: PublishRequest) => Promise<PublisherHandle | { refused: string }>;
