/**
 * What /play tells the rest of Kino about the requests it answered (analytics joins them to views
 * and usage); delivery declares it so that it depends on no consumer.
 */
export interface PlayObserver {
  /** Bytes a successful GET answered with (its Content-Length), for the media's tenant. */
  delivered(tenantId: string, bytes: number): void;
  /** The raw `CMCD` query parameter a player (hls.js's `cmcd` option) sent with a request. */
  cmcd(tenantId: string, mediaId: string, cmcd: string): void;
}
