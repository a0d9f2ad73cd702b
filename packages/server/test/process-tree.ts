import { readFileSync, readdirSync } from 'node:fs';

/** A process as /proc shows it (Linux). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** R, S, D, Z (zombie: dead, not yet reaped), ... */
  state: string;
  cmdline: string;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces.
    const [state = '', ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { pid, ppid: Number(ppid), state, cmdline };
  } catch {
    return undefined;
  }
}

/** Live (not zombie) processes whose parent is `ppid`. */
export function childrenOf(ppid: number): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((p): p is ProcessInfo => p !== undefined && p.ppid === ppid && p.state !== 'Z');
}

/** Whether the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const info = readProcess(pid);
  return info !== undefined && info.state !== 'Z';
}

/** Bytes the process has read through read(2) and friends, sockets included (/proc/PID/io rchar). */
export function bytesRead(pid: number): number {
  try {
    return Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
