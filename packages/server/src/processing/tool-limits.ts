import path from 'node:path';
import { MAX_SOURCE_FRAME_RATE, MAX_SOURCE_PIXELS } from './picture-limits.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const FULL_HD_PIXELS = 1920 * 1080;

/** The fewest cores a worker is expected to have: how fast a tool can spend its CPU limit. */
export const WORKER_CORES = 2;

/** Kernel resource limits for one ffmpeg/ffprobe run (util-linux prlimit). */
export interface ToolLimits {
  /** CPU time (RLIMIT_CPU): the tool gets SIGXCPU past it. */
  cpuSeconds: number;
  /** Virtual memory (RLIMIT_AS): allocations past it fail. */
  addressSpaceBytes: number;
  /** Open file descriptors (RLIMIT_NOFILE). */
  openFiles: number;
  /** Largest file the tool may write (RLIMIT_FSIZE); pipes are not files. */
  fileSizeBytes: number;
}

/**
 * Probes read headers and, for the keyframe list, every packet without decoding: minutes of CPU
 * only for a hostile file. They write nothing but their standard output.
 */
export const PROBE_LIMITS: ToolLimits = {
  cpuSeconds: 300,
  addressSpaceBytes: 2 * GiB,
  openFiles: 64,
  fileSizeBytes: 16 * MiB,
};

/**
 * The packet scan lists every packet (see packet-scan.ts): it runs beside the probe, before the
 * duration is known, so its CPU grows with the bytes. ffprobe lists about 90,000 packets a CPU
 * second here, and honest packets average 100 bytes or more (a 4-hour source with 12 kbit/s mono
 * sound: 112), so a second per 4 MiB is over twice what they need, beside the probe's own 300.
 */
export function packetScanLimits(sizeBytes: number): ToolLimits {
  return {
    ...PROBE_LIMITS,
    cpuSeconds: PROBE_LIMITS.cpuSeconds + Math.ceil(Math.max(0, sizeBytes) / (4 * MiB)),
  };
}

/**
 * `limits` with no more CPU than `cores` can burn within an attempt of `timeoutMs`: a tool never
 * holds a CPU limit that its job's timeout would cut short by far.
 */
export function withinAttempt(limits: ToolLimits, timeoutMs: number, cores = WORKER_CORES): ToolLimits {
  return { ...limits, cpuSeconds: Math.min(limits.cpuSeconds, Math.ceil((timeoutMs / 1000) * cores)) };
}

/** For runs that name no limits of their own (a short extraction over a source). */
export const DEFAULT_LIMITS: ToolLimits = {
  cpuSeconds: 3600,
  addressSpaceBytes: 4 * GiB,
  openFiles: 256,
  fileSizeBytes: 8 * GiB,
};

/** What the limits of a processing run are derived from. */
export interface SourceFacts {
  durationSeconds: number;
  sizeBytes: number;
  /** Width × height of the source picture (0 without video). */
  pixels: number;
  frameRate: number | null;
  /** The highest bitrate any output is encoded at (kbit/s). */
  maxOutputKbps: number;
  /** Width × height of each rung the ladder encodes; a copied rung costs no CPU. */
  encodedRungPixels: readonly number[];
}

/**
 * The facts with no picture or frame rate past the largest Kino accepts (picture-limits.ts): the
 * probe refuses larger sources, and whatever a file declares cannot raise the limits further.
 */
function withinPictureLimits(source: SourceFacts): SourceFacts {
  const pixels = (p: number) => Math.min(p, MAX_SOURCE_PIXELS);
  return {
    ...source,
    pixels: pixels(source.pixels),
    frameRate: source.frameRate === null ? null : Math.min(source.frameRate, MAX_SOURCE_FRAME_RATE),
    encodedRungPixels: source.encodedRungPixels.map(pixels),
  };
}

const FULL_HD_30 = FULL_HD_PIXELS * 30;
/**
 * CPU seconds an honest run takes per second of video on a slow core, per 1080p30's worth of
 * pixels: decoding the source, encoding one rung (x264 veryfast with its scaling), and the rest
 * (the sound's decoding, loudness and AAC, the storyboard and poster branches, per-frame costs).
 * Measured here (two shared, busy cores): decoding 1080p30 H.264 took 0.26, a 1080p30 ladder of
 * five encoded rungs 3.6 (so 4.2 in this model), a 360p30 source's two rungs with storyboard and
 * poster 0.37 (0.48 in this model).
 */
const DECODE_CPU = 0.5;
const ENCODE_CPU = 2;
const OTHER_CPU = 0.1;
/** How many times an honest run's CPU a tool may use before the kernel stops it. */
const CPU_LIMIT_FACTOR = 4;
const CPU_LIMIT_FLOOR_SECONDS = 120;

/**
 * The CPU seconds (RLIMIT_CPU) of each processing run over a source: several times what an honest
 * ladder over it takes, from its duration, picture, frame rate and the rungs encoded. The job
 * timeout is derived from it (see job-timeouts.ts), so the two agree.
 *
 * @example cpuLimitSeconds({ durationSeconds: 3600, pixels: 1920 * 1080, frameRate: 30, encodedRungPixels: [1280 * 720], sizeBytes: 2e9, maxOutputKbps: 3000 }) // 120 + 4 × 3600 × (0.1 + 0.5 + 2 × 0.44): 21,560
 */
export function cpuLimitSeconds(facts: SourceFacts): number {
  const source = withinPictureLimits(facts);
  const rate = source.frameRate !== null && source.frameRate > 0 ? source.frameRate : 30;
  // Outputs run at most 60 fps (faster sources are halved, see outputFrameRate).
  const outputRate = Math.min(60, rate);
  const decode = DECODE_CPU * ((source.pixels * rate) / FULL_HD_30);
  const encode = source.encodedRungPixels.reduce(
    (sum, pixels) => sum + ENCODE_CPU * ((pixels * outputRate) / FULL_HD_30),
    0,
  );
  const perSecond = OTHER_CPU + decode + encode;
  return Math.ceil(
    CPU_LIMIT_FLOOR_SECONDS + CPU_LIMIT_FACTOR * Math.max(1, source.durationSeconds) * perSecond,
  );
}

/**
 * Limits for the runs that process one source, from what it is. They are several times what an
 * honest source needs (see cpuLimitSeconds; a 1080p ladder takes about 300 MB), so only a file
 * built to exhaust the machine meets them; the job timeout still bounds wall time. They stop
 * growing at an 8K picture at 240 fps (about 19 GiB of address space on two cores).
 *
 * @example processingLimits({ durationSeconds: 60, sizeBytes: 50e6, pixels: 1920 * 1080, frameRate: 30, maxOutputKbps: 5000, encodedRungPixels: [1280 * 720] }, 2)
 */
export function processingLimits(facts: SourceFacts, cpus: number): ToolLimits {
  const source = withinPictureLimits(facts);
  const size = Math.max(1, source.pixels / FULL_HD_PIXELS);
  const duration = Math.max(1, source.durationSeconds);
  // Encoded outputs average at most maxrate (the rung's cap) plus one buffer; 1.5 × keeps a margin. Copies are the source's size.
  const encodedBytes = ((source.maxOutputKbps * 1000) / 8) * 1.5 * duration;
  return {
    cpuSeconds: cpuLimitSeconds(source),
    addressSpaceBytes: Math.round(1.5 * GiB + size * GiB + Math.max(1, cpus) * 64 * MiB),
    openFiles: 256,
    fileSizeBytes: Math.ceil(Math.max(256 * MiB, 2 * source.sizeBytes, 2 * encodedBytes) + 64 * MiB),
  };
}

/** An unprivileged account for media tools. */
export interface SandboxUser {
  name: string;
  uid: number;
  gid: number;
}

/** What this machine offers to confine media tools; anything null is left out. */
export interface Sandbox {
  /** util-linux prlimit, for the resource limits. */
  prlimit: string | null;
  /** util-linux setpriv, to change user. */
  setpriv: string | null;
  /** The account tools run as; null keeps the current user (not root, or no such account). */
  user: SandboxUser | null;
}

/**
 * The program and arguments that run `tool` within `limits` and, when the sandbox has a user, as
 * that user without supplementary groups or a way back to privileges. Changing user clears the
 * kernel's parent-death signal, so it is set again after the change (see media-tools.ts).
 *
 * @example confinedCommand('ffmpeg', ['-i', 'source'], PROBE_LIMITS, { prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv', user: { name: 'kino-media', uid: 998, gid: 998 } })
 * // { file: '/usr/bin/prlimit', args: ['--cpu=300', '--as=…', '--nofile=64', '--fsize=…', '--',
 * //   '/usr/bin/setpriv', '--reuid=998', '--regid=998', '--clear-groups', '--no-new-privs',
 * //   '--pdeathsig', 'KILL', '--', 'ffmpeg', '-i', 'source'] }
 */
export function confinedCommand(
  tool: string,
  args: readonly string[],
  limits: ToolLimits,
  sandbox: Sandbox,
  opts: { asUser: boolean } = { asUser: true },
): { file: string; args: string[] } {
  let command = [tool, ...args];
  if (opts.asUser && sandbox.user && sandbox.setpriv) {
    const { uid, gid } = sandbox.user;
    command = [
      sandbox.setpriv,
      `--reuid=${uid}`,
      `--regid=${gid}`,
      '--clear-groups',
      '--no-new-privs',
      '--pdeathsig',
      'KILL',
      '--',
      ...command,
    ];
  }
  if (sandbox.prlimit) {
    command = [
      sandbox.prlimit,
      `--cpu=${Math.ceil(limits.cpuSeconds)}`,
      `--as=${Math.ceil(limits.addressSpaceBytes)}`,
      `--nofile=${Math.ceil(limits.openFiles)}`,
      `--fsize=${Math.ceil(limits.fileSizeBytes)}`,
      '--',
      ...command,
    ];
  }
  const [file = tool, ...rest] = command;
  return { file, args: rest };
}

/**
 * Arguments with paths inside `workdir` made relative to it (`./name`), for a tool started in that
 * folder: it then reaches its files even when it may not walk the folders above (a data folder of
 * mode 0700 owned by root). Other arguments are unchanged.
 *
 * @example relativeToWorkdir(['-i', '/data/work/j1/source', '/data/work/j1/out.mp4'], '/data/work/j1') // ['-i', './source', './out.mp4']
 */
export function relativeToWorkdir(args: readonly string[], workdir: string): string[] {
  const root = path.resolve(workdir);
  return args.map((arg) => {
    if (!path.isAbsolute(arg)) return arg;
    const resolved = path.resolve(arg);
    if (resolved === root) return '.';
    return resolved.startsWith(root + path.sep) ? `./${path.relative(root, resolved)}` : arg;
  });
}
