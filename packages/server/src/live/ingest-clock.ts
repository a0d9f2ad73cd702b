/**
 * When Kino received the frames of a publisher session: wall-clock times of keyframes by their
 * (timeline-corrected) FLV timestamp, so a segment's EXT-X-PROGRAM-DATE-TIME is the moment its
 * first frame arrived, not the moment ffmpeg finished it. Pure apart from the times it is given.
 */
export class IngestClock {
  private readonly marks: { dts: number; at: number }[] = [];
  private firstDts: number | null = null;

  /** Every media packet: the first one anchors the session's timeline. */
  packet(dts: number, at: number, keyframe: boolean): void {
    if (this.firstDts === null) {
      this.firstDts = dts;
      this.marks.push({ dts, at });
      return;
    }
    const last = this.marks.at(-1);
    if (keyframe || (last && dts - last.dts >= 1000)) {
      if (!last || dts > last.dts) this.marks.push({ dts, at });
      if (this.marks.length > 20_000) this.marks.splice(0, 10_000);
    }
  }

  /**
   * When the frame `outputMs` milliseconds into the packaged output arrived (ffmpeg starts its
   * output at the session's first timestamp), or null before any packet.
   */
  receivedAt(outputMs: number): number | null {
    if (this.firstDts === null) return null;
    const dts = this.firstDts + outputMs;
    let lo = 0;
    let hi = this.marks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.marks[mid]?.dts ?? Infinity) <= dts) lo = mid;
      else hi = mid - 1;
    }
    const mark = this.marks[lo];
    if (!mark) return null;
    return Math.round(mark.at + Math.max(0, dts - mark.dts));
  }
}
