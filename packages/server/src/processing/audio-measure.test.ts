import { describe, expect, it } from 'vitest';
import { loudnessArgs, parseLoudness, silenceWindow } from './audio-measure.ts';

describe('loudness measurement', () => {
  it('prints the running integrated loudness to standard output, writing nothing to disk', () => {
    const args = loudnessArgs('/w/source', 2, 'mov');
    expect(args.slice(0, 2)).toEqual(['-nostdin', '-hide_banner']);
    expect(args.slice(args.indexOf('-f'), args.indexOf('-f') + 4)).toEqual(['-f', 'mov', '-i', '/w/source']);
    const graph = args[args.indexOf('-filter_complex') + 1];
    // pipe:1 escaped for the graph and for the filter's options.
    expect(graph).toBe('[0:2]ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=pipe\\\\:1[m]');
    expect(args.slice(-5)).toEqual(['-map', '[m]', '-f', 'null', '-']);
    const windowed = loudnessArgs('/w/source', 1, undefined, { startSeconds: 7.5, durationSeconds: 20 });
    expect(windowed.slice(windowed.indexOf('-ss'), windowed.indexOf('-i'))).toEqual([
      '-ss',
      '7.500',
      '-t',
      '20.000',
    ]);
  });

  it('takes the last value printed, floored at -70 LUFS', () => {
    const out = [
      'frame:0    pts:0       pts_time:0',
      'lavfi.r128.I=-70.000',
      'frame:1    pts:4800    pts_time:0.1',
      'lavfi.r128.I=-35.120',
      'frame:2    pts:9600    pts_time:0.2',
      'lavfi.r128.I=-34.980',
      '',
    ].join('\n');
    expect(parseLoudness(out)).toBe(-34.98);
    expect(parseLoudness('lavfi.r128.I=-inf\n')).toBe(-70);
    expect(parseLoudness('')).toBeNull();
  });

  it('listens to 20 s from a quarter in, within the media', () => {
    expect(silenceWindow(3)).toEqual({ startSeconds: 0, durationSeconds: 3 });
    expect(silenceWindow(30)).toEqual({ startSeconds: 7.5, durationSeconds: 20 });
    expect(silenceWindow(3600)).toEqual({ startSeconds: 900, durationSeconds: 20 });
  });
});
