import { readdirSync, readFileSync } from 'node:fs';

/** /proc/stat and /proc/PID/stat count in USER_HZ, 100 per second on Linux. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  at: number;
  /** user + nice + system ticks of every core. */
  busy: number;
  /** Ticks the hypervisor gave to someone else. */
  steal: number;
  /** user + system ticks of this process and its descendants (servers, PostgreSQL), ended ones included. */
  ours: number;
}

/** A snapshot of CPU use, on Linux; undefined elsewhere. */
export function sampleCpu(): CpuSample | undefined {
  try {
    const fields =
      readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const [user = 0, nice = 0, system = 0, , , , , steal = 0] = fields;
    return { at: performance.now(), busy: user + nice + system, steal, ours: ourTicks() };
  } catch {
    return undefined;
  }
}

/**
 * Cores' worth of CPU that processes outside this benchmark (and the hypervisor, as steal) used
 * between two samples: anything above a few hundredths means the numbers were measured on a busy machine.
 */
export function foreignCores(from: CpuSample | undefined, to: CpuSample | undefined): number | undefined {
  if (!from || !to) return undefined;
  const seconds = (to.at - from.at) / 1000;
  if (seconds <= 0) return undefined;
  const others = Math.max(0, to.busy - from.busy - (to.ours - from.ours));
  return (others + (to.steal - from.steal)) / TICKS_PER_SECOND / seconds;
}

function ourTicks(): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: fields after the last ')' are fixed.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(rest[1]));
      // utime + stime, and cutime + cstime: the ticks of children it has reaped (ffmpeg runs that
      // ended between two samples are no longer in /proc, but their time is in their parent's).
      ticks.set(Number(entry), Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]));
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  for (const [pid, used] of ticks) {
    for (let p: number | undefined = pid; p !== undefined && p > 0; p = parent.get(p)) {
      if (p === process.pid) {
        total += used;
        break;
      }
    }
  }
  return total;
}

/**
 * Milliseconds of CPU (user + system) one process has used so far, from /proc/PID/stat (10 ms
 * steps); undefined when it cannot be read.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
