import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cachedMedia } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantArgs, ladderArgs, rateControl } from './ffmpeg-commands.ts';
import { masterPlaylist } from '../delivery/manifests.ts';
import { planProcessing, type ProcessingPlan, type VideoRung } from './plan.ts';
import { readSource } from './probe-file.ts';
import { runMediaTool } from './media-tools.ts';
import { bandwidth } from '../delivery/bandwidth.ts';
import { videoRendition } from './processing-steps.ts';

const SECONDS = 8;

/**
 * 640x360 sources stored as H.264 4:4:4, which cannot pass through: every rung is encoded, the
 * first one twice (the fast playable encode, then the ladder).
 */
const source = (label: string, lavfi: string) =>
  cachedMedia(`capped-crf-${label}`, 'mp4', (out) => [
    {
      op: 'ffmpeg',
      args: [
        ...['-nostdin', '-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', lavfi],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '12', '-pix_fmt', 'yuv444p', '-g', '60', out],
      ],
    },
  ]);

/** Grain over a moving test pattern: far more detail than any rung's cap pays for. */
const HARD = `testsrc2=size=640x360:rate=30:duration=${SECONDS},noise=alls=40:allf=t`;
/** A still slide: next to nothing changes from frame to frame. */
const EASY = `color=c=white:size=640x360:rate=30:duration=${SECONDS},drawbox=x=64:y=48:w=512:h=40:color=navy:t=fill,drawbox=x=64:y=120:w=400:h=12:color=gray:t=fill,drawbox=x=64:y=150:w=440:h=12:color=gray:t=fill`;

interface Encoded {
  rung: VideoRung;
  /** The variant's BANDWIDTH and AVERAGE-BANDWIDTH in the master (bit/s). */
  declared: { peak: number; average: number };
  /** Bit/s of every segment as written. */
  segments: { bps: number; seconds: number }[];
  average: number;
}

async function encode(label: string, lavfi: string, root: string): Promise<Encoded[]> {
  const file = await source(label, lavfi);
  const dir = await fs.mkdtemp(path.join(root, `${label}-`));
  const { probe, keyframes, inputs } = await readSource(file, dir, AbortSignal.timeout(240_000));
  const plan = planProcessing(probe, keyframes, inputs);
  expect(plan.video?.passthroughRefusal).not.toBeNull();
  const first = plan.video?.firstRung;
  if (!first) throw new Error('the source has no fast first rung');

  const instantDir = path.join(dir, 'instant');
  await fs.mkdir(instantDir);
  await runMediaTool('ffmpeg', instantArgs(file, plan, instantDir, probe.demuxer));
  await runMediaTool('ffmpeg', ladderArgs(file, { ...plan, storyboard: null }, dir, probe.demuxer));
  const written = [
    { rung: first, dir: instantDir },
    ...(plan.video?.rungs ?? []).map((rung) => ({ rung, dir })),
  ];
  return Promise.all(written.map(({ rung, dir: at }) => measure(plan, rung, at)));
}

async function measure(plan: ProcessingPlan, rung: VideoRung, dir: string): Promise<Encoded> {
  const rendition = await videoRendition(dir, rung, plan);
  const { index } = rendition;
  const master = masterPlaylist([rendition]);
  const declared = {
    peak: Number(/BANDWIDTH=(\d+)/.exec(master)?.[1]),
    average: Number(/AVERAGE-BANDWIDTH=(\d+)/.exec(master)?.[1]),
  };
  return {
    rung,
    declared,
    segments: index.segments.map((s) => ({ bps: (s.length * 8) / s.duration, seconds: s.duration })),
    average: bandwidth(index).average,
  };
}

describe('capped CRF on real encodes', () => {
  let root: string;
  let hard: Encoded[];
  let easy: Encoded[];

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'kino-capped-crf-'));
    hard = await encode('hard', HARD, root);
    easy = await encode('easy', EASY, root);
  }, 600_000);

  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('encodes the fast first rung and every ladder rung', () => {
    expect(hard.map((e) => e.rung.name)).toEqual(['360p', '360p', '240p']);
    expect(easy.map((e) => e.rung.name)).toEqual(['360p', '360p', '240p']);
  });

  it('declares a BANDWIDTH no segment exceeds, and the average as AVERAGE-BANDWIDTH', () => {
    for (const e of [...hard, ...easy]) {
      for (const s of e.segments) expect(s.bps).toBeLessThanOrEqual(e.declared.peak);
      expect(e.declared.average).toBe(e.average);
      expect(e.declared.average).toBeLessThanOrEqual(e.declared.peak);
    }
  });

  it('holds hard content at the cap: no segment past what the VBV buffer allows', () => {
    for (const e of hard) {
      const { maxrateKbps, bufsizeKbits } = rateControl(e.rung);
      // 5 % for the fragments' own boxes (moof, mdat headers) and x264's VBV estimate.
      for (const s of e.segments) {
        expect(s.bps / 1000).toBeLessThanOrEqual((maxrateKbps + bufsizeKbits / s.seconds) * 1.05);
      }
      // The whole media: the cap for its length, plus at most one buffer.
      const seconds = e.segments.reduce((sum, s) => sum + s.seconds, 0);
      expect(e.average / 1000).toBeLessThanOrEqual((maxrateKbps + bufsizeKbits / seconds) * 1.05);
      // Hard content spends what it is allowed.
      expect(e.average / 1000).toBeGreaterThan(maxrateKbps * 0.7);
    }
  });

  it('spends far less than the cap on easy content', () => {
    for (const e of easy) {
      expect(e.average / 1000).toBeLessThan(rateControl(e.rung).maxrateKbps * 0.2);
    }
  });
});
