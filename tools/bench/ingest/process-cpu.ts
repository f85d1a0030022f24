// CPU used during a phase, from Linux /proc: by a process with its descendants (the collector's primary
// and its workers), and by the whole machine. On a shared machine wall-clock rates move with other jobs'
// load; events per CPU-second of the collector and the machine's busy share say whether the collector or
// the machine was the limit.
import { readFileSync } from 'node:fs';

const TICKS_PER_SEC = 100; // USER_HZ, 100 on Linux

const read = (path: string): string => { try { return readFileSync(path, 'utf8'); } catch { return ''; } };

/** utime + stime of one process, in seconds (0 once it is gone). */
function ownCpuSecs(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  // Fields after the command name (which may hold spaces), closed by the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return stat ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC : 0;
}

function descendants(pid: number): number[] {
  const children = read(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
  return [...children, ...children.flatMap(descendants)];
}

/** CPU seconds used so far by `pid` and its running descendants. */
export const treeCpuSecs = (pid: number): number => [pid, ...descendants(pid)].reduce((s, p) => s + ownCpuSecs(p), 0);

/** Busy and total jiffies of the machine (all CPUs) so far. */
function machineTicks(): { busy: number; total: number } {
  const cpu = read('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((s, x) => s + x, 0);
  return { busy: total - (cpu[3] ?? 0) - (cpu[4] ?? 0), total }; // less idle and iowait
}

export interface CpuSpan { collectorCpuSecs: number; machineBusy: number }

/** Start measuring; the returned function ends the span. */
export function cpuSpan(pid: number | undefined): () => CpuSpan {
  const c0 = pid ? treeCpuSecs(pid) : 0;
  const m0 = machineTicks();
  return () => {
    const m1 = machineTicks();
    return {
      collectorCpuSecs: pid ? treeCpuSecs(pid) - c0 : 0,
      machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
    };
  };
}
