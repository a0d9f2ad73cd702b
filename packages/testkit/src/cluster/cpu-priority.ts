import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

// Linux shares CPU time between groups before it looks at a process's nice value: between cgroups,
// and, for processes in none, between sessions (autogroup, on by default in Debian's kernel). A
// process started in a session of its own (setsid: every cluster child, and every ffmpeg a worker
// runs) is a group of its own there, so `nice` alone does not put it behind the API processes.
// The cluster therefore gives workers a cgroup with a low CPU weight, as systemd's CPUWeight= does
// for a unit: the worker and every tool it starts share that weight.

const V1 = '/sys/fs/cgroup/cpu';
const V2 = '/sys/fs/cgroup';

/** Where this machine keeps CPU weights, if this process may write them. */
function hierarchy(): { root: string; file: 'cpu.shares' | 'cpu.weight' } | undefined {
  if (existsSync(join(V1, 'cpu.shares'))) return { root: V1, file: 'cpu.shares' };
  try {
    if (readFileSync(join(V2, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('cpu')) {
      return { root: V2, file: 'cpu.weight' };
    }
  } catch {
    // No cgroup v2 at the usual place.
  }
  return undefined;
}

/**
 * A cgroup whose processes (and their children) share one CPU weight, on the scale of systemd's
 * CPUWeight= (100 is the default every other group has). Best effort: where cgroups cannot be
 * written (no permission, no cpu controller), `add` lowers the process's session priority instead
 * and says so through `onFallback`.
 *
 * @example const group = CpuGroup.create('kino-cluster-123-worker-1', 25); group.add(pid); group.remove();
 */
export class CpuGroup {
  private constructor(
    private readonly dir: string | undefined,
    private readonly fallbackNice: number,
    private readonly onFallback: (reason: string) => void,
  ) {}

  static create(
    name: string,
    weight: number,
    opts: { fallbackNice: number; onFallback: (reason: string) => void },
  ): CpuGroup {
    const where = hierarchy();
    if (!where) {
      opts.onFallback('no writable cpu cgroup hierarchy');
      return new CpuGroup(undefined, opts.fallbackNice, opts.onFallback);
    }
    const dir = join(where.root, name);
    try {
      mkdirSync(dir, { recursive: true });
      const value = where.file === 'cpu.shares' ? Math.round((weight * 1024) / 100) : weight;
      writeFileSync(join(dir, where.file), String(value));
      return new CpuGroup(dir, opts.fallbackNice, opts.onFallback);
    } catch (error) {
      opts.onFallback(`cannot set up ${dir}: ${String(error)}`);
      return new CpuGroup(undefined, opts.fallbackNice, opts.onFallback);
    }
  }

  /** Moves a process (all its threads) into the group; its later children start there. */
  add(pid: number): void {
    if (this.dir) {
      try {
        writeFileSync(join(this.dir, 'cgroup.procs'), String(pid));
        return;
      } catch (error) {
        this.onFallback(`cannot move ${pid} into ${this.dir}: ${String(error)}`);
      }
    }
    setSessionPriority(pid, this.fallbackNice);
  }

  /** Removes the group once its processes are gone (a few tries: the kernel lets go of them lazily). */
  async remove(): Promise<void> {
    if (!this.dir) return;
    for (let i = 0; i < 20; i++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        if (code !== 'EBUSY' || i === 19) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Removes empty groups named `<prefix><pid>-...` whose process is gone (a cluster that died). */
export function removeOrphanedGroups(prefix: string, isAlive: (pid: number) => boolean): void {
  const where = hierarchy();
  if (!where) return;
  let names: string[];
  try {
    names = readdirSync(where.root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(new RegExp(`^${prefix}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    try {
      rmdirSync(join(where.root, name));
    } catch {
      // Still holding processes: left for a later run.
    }
  }
}

/**
 * Gives a process's whole session a nice value where sessions share the CPU (autogroup), and its
 * threads the same one; best effort. Returns the session's earlier value.
 */
export function setSessionPriority(pid: number, nice: number): number {
  let before = 0;
  try {
    before = Number(/nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'))?.[1] ?? 0);
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // No autogroup (disabled, or not Linux): the threads' nice is all there is.
  }
  let threads: string[] = [String(pid)];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    // Not Linux: the process's own nice value only.
  }
  for (const tid of threads) {
    try {
      os.setPriority(Number(tid), nice);
    } catch {
      // A thread that has just ended, or no permission.
    }
  }
  return before;
}
