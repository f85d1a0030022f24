// How many CPUs this process may use: its CPU affinity (availableParallelism), capped by a container's
// cgroup v2 CPU limit (`cpu.max`, quota / period, rounded up). A pod limited to 1 CPU on a 32-core node
// must not start 32 workers: availableParallelism counts the node's CPUs.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export function usableCpus(): number {
  return Math.min(availableParallelism(), cgroupCpuLimit() ?? Infinity);
}

function cgroupCpuLimit(): number | undefined {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    return quota === 'max' ? undefined : Math.max(1, Math.ceil(Number(quota) / Number(period)));
  } catch {
    return undefined;
  }
}
