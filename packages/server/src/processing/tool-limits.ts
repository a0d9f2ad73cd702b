import path from 'node:path';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const FULL_HD_PIXELS = 1920 * 1080;

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
}

/**
 * Limits for the runs that process one source, from what it is. They are several times what an
 * honest source needs (a 1080p30 ladder takes about 2.5 CPU seconds and 300 MB per second of
 * video here), so only a file built to exhaust the machine meets them; the job timeout still
 * bounds wall time.
 *
 * @example processingLimits({ durationSeconds: 60, sizeBytes: 50e6, pixels: 1920 * 1080, frameRate: 30, maxOutputKbps: 5000 }, 2)
 */
export function processingLimits(source: SourceFacts, cpus: number): ToolLimits {
  const size = Math.max(1, source.pixels / FULL_HD_PIXELS);
  const rate = Math.max(1, (source.frameRate ?? 30) / 30);
  const duration = Math.max(1, source.durationSeconds);
  // Encoded outputs are at most maxrate (1.5 × target) for the whole duration; copies are the source's size.
  const encodedBytes = ((source.maxOutputKbps * 1000) / 8) * 1.5 * duration;
  return {
    cpuSeconds: Math.ceil(120 + duration * 10 * size * rate),
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
