/**
 * Keeps a publisher's timestamps usable: a jump forward of more than `maxGapMs` or any step
 * backwards (an encoder that restarted its clock, a broken one) re-bases both tracks together so
 * that the stream continues one frame after the newest timestamp seen. Audio and video share one
 * offset, so they stay in sync. Pure: feed it (track, dts) and it returns the dts to write.
 */
export class FlvTimeline {
  private offset = 0;
  private readonly last = new Map<number, number>();
  private newest = -Infinity;

  constructor(private readonly maxGapMs = 10_000) {}

  /** `track` is the FLV tag type (8 audio, 9 video). */
  map(track: number, dts: number): number {
    let out = dts + this.offset;
    const previous = this.last.get(track);
    if (previous !== undefined && (out < previous || out > previous + this.maxGapMs)) {
      const continueAt = Math.max(previous, this.newest) + (track === 9 ? 33 : 21);
      this.offset += continueAt - out;
      out = continueAt;
    }
    this.last.set(track, out);
    this.newest = Math.max(this.newest, out);
    return out;
  }
}
