import { chownSync, existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MEDIA_USER } from '../config/config.ts';
import {
  confinedCommand,
  DEFAULT_LIMITS,
  relativeToWorkdir,
  type Sandbox,
  type SandboxUser,
  type ToolLimits,
} from './tool-limits.ts';

const firstExisting = (files: string[]) => files.find((file) => existsSync(file)) ?? null;

/** An account by name from /etc/passwd, or null. */
export function lookupUser(name: string, passwd: string): SandboxUser | null {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      const ids = { uid: Number(uid), gid: Number(gid) };
      if (Number.isInteger(ids.uid) && Number.isInteger(ids.gid) && ids.uid > 0) return { name, ...ids };
    }
  }
  return null;
}

/**
 * What this machine offers to confine media tools: prlimit and setpriv (util-linux, on every
 * Debian), and, when Kino runs as root, the `mediaUser` account (Config.mediaUser; null keeps
 * root). Without them tools run unconfined in that respect, as on a developer's laptop where Kino
 * is not root: the protocol and demuxer allowlists apply everywhere.
 */
export function detectSandbox(mediaUser: string | null): Sandbox {
  const prlimit = firstExisting(['/usr/bin/prlimit', '/bin/prlimit']);
  const setpriv = firstExisting(['/usr/bin/setpriv', '/bin/setpriv']);
  let user: SandboxUser | null = null;
  if (process.getuid?.() === 0 && setpriv && mediaUser !== null) {
    try {
      user = lookupUser(mediaUser, readFileSync('/etc/passwd', 'utf8'));
    } catch {
      user = null;
    }
  }
  return { prlimit, setpriv, user };
}

let mediaUser: string | null = DEFAULT_MEDIA_USER;
let detected: Sandbox | undefined;

/**
 * Sets the account this process runs media tools as (Config.mediaUser). The composition root
 * calls it once at start; until then the default account is used.
 */
export function useMediaUser(name: string | null): void {
  if (name === mediaUser) return;
  mediaUser = name;
  detected = undefined;
}

/** The sandbox of this process, detected once for its media user. */
export function mediaSandbox(): Sandbox {
  detected ??= detectSandbox(mediaUser);
  return detected;
}

/**
 * Makes a work folder (and the folders in it) the media user's, so tools running as that user can
 * write their outputs there. Files Kino wrote stay Kino's: tools only read them. Synchronous: it
 * runs right before a tool starts, over a folder of a few entries.
 */
export function prepareWorkdir(workdir: string, sandbox: Sandbox = mediaSandbox()): void {
  const user = sandbox.user;
  if (!user) return;
  const visit = (dir: string): void => {
    const info = lstatSync(dir);
    if (!info.isDirectory()) return;
    if (info.uid !== user.uid) chownSync(dir, user.uid, user.gid);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) visit(path.join(dir, entry.name));
    }
  };
  visit(workdir);
}

/**
 * A path to the source that the media user can open from inside the work folder. A file outside
 * it (the original in the local storage folder, whose parents that user may not walk) is
 * hard-linked in, or copied where a link is impossible (another file system) or would not be
 * readable by that user. Without a sandbox user the source is used where it is.
 */
export async function sourceInWorkdir(
  source: string,
  workdir: string,
  sandbox: Sandbox = mediaSandbox(),
): Promise<string> {
  const user = sandbox.user;
  const root = path.resolve(workdir);
  if (!user || path.resolve(source).startsWith(root + path.sep)) return source;
  const target = path.join(root, 'source');
  const info = await fs.stat(source);
  const othersMayRead = (info.mode & 0o004) !== 0;
  if (othersMayRead) {
    try {
      await fs.link(source, target);
      return target;
    } catch {
      // A copy below.
    }
  }
  await fs.copyFile(source, target);
  await fs.chown(target, user.uid, user.gid);
  return target;
}

/** Where and how a media tool starts: confined by `limits`, and inside `workdir` as the media user. */
export interface ConfinementOptions {
  /** Resource limits; DEFAULT_LIMITS when left out. */
  limits?: ToolLimits | undefined;
  /**
   * The folder the tool works in: it starts there, paths inside it are passed relative, and it
   * runs as the media user, who owns the folder. Without one the tool keeps Kino's user.
   */
  workdir?: string | undefined;
}

/**
 * The tool, arguments and folder to start a media tool with (media-tools.ts wraps the result in
 * its parent-death guard).
 *
 * @example const run = confinedRun('ffmpeg', args, { limits, workdir }); spawn(run.tool, run.args, { cwd: run.cwd })
 */
export function confinedRun(
  tool: string,
  args: readonly string[],
  opts: ConfinementOptions,
  sandbox: Sandbox = mediaSandbox(),
): { tool: string; args: string[]; cwd: string | undefined } {
  const workdir = opts.workdir;
  if (workdir !== undefined) prepareWorkdir(workdir, sandbox);
  const inWorkdir = workdir === undefined ? [...args] : relativeToWorkdir(args, workdir);
  const command = confinedCommand(tool, inWorkdir, opts.limits ?? DEFAULT_LIMITS, sandbox, {
    asUser: workdir !== undefined,
  });
  return { tool: command.file, args: command.args, cwd: workdir };
}
