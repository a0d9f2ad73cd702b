import { fromCmcdQuery } from '@svta/cml-cmcd';
import { VIEW_ID } from './beacon-schema.ts';

/** What the CMCD data of a view's /play requests said, joined to the view by its session id (`sid`). */
export interface CmcdSummary {
  mediaId: string;
  requests: number;
  /** The last measured throughput (`mtp`), kbit/s. */
  throughputKbps: number | null;
  /** The highest encoded bitrate requested (`br`), kbit/s. */
  topBitrateKbps: number | null;
}

/** Views followed at once per process; the oldest is dropped past it. */
const MAX_VIEWS = 10_000;

/**
 * Collects the CMCD query data players send with /play requests (hls.js's `cmcd` option, with the
 * view id as its session id), decoded with the SVTA's CMCD library, until the view's next beacon
 * takes it. Kept in the process: a view whose requests and beacons reach different API processes
 * gets the part its beacons' process saw.
 */
export class CmcdJoin {
  private readonly views = new Map<string, CmcdSummary>();

  record(mediaId: string, cmcd: string): void {
    let data: Record<string, unknown>;
    try {
      data = fromCmcdQuery(new URLSearchParams({ CMCD: cmcd }));
    } catch {
      return;
    }
    const sid = data.sid;
    if (typeof sid !== 'string' || !VIEW_ID.test(sid)) return;
    let entry = this.views.get(sid);
    if (entry && entry.mediaId !== mediaId) return;
    if (!entry) {
      if (this.views.size >= MAX_VIEWS) {
        const oldest = this.views.keys().next().value;
        if (oldest !== undefined) this.views.delete(oldest);
      }
      entry = { mediaId, requests: 0, throughputKbps: null, topBitrateKbps: null };
      this.views.set(sid, entry);
    }
    entry.requests += 1;
    const mtp = finite(data.mtp);
    if (mtp !== null) entry.throughputKbps = Math.round(mtp);
    const br = finite(data.br);
    if (br !== null) entry.topBitrateKbps = Math.max(entry.topBitrateKbps ?? 0, Math.round(br));
  }

  /** What was collected for a view of a media since the last call, and forgets it. */
  take(viewId: string, mediaId: string): CmcdSummary | null {
    const entry = this.views.get(viewId);
    if (!entry || entry.mediaId !== mediaId) return null;
    this.views.delete(viewId);
    return entry;
  }
}

const finite = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 1e9 ? v : null;
