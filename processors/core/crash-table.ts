// What the processor remembers about crashing devices: when each last crashed (a new episode counts once
// for the release gate) and in which recent windows (distinct crashed devices per window). Crashes are
// rare next to heartbeats, so this is a bounded LRU map of small records rather than typed columns.
export interface CrashMemory {
  lastAtMs: number;
  /** The most recent windows this device crashed in, newest last. */
  windows: number[];
}

const WINDOWS_KEPT = 4;

export interface CrashOutcome {
  /** First crash of this device in the window: it adds one distinct crashed device. */
  newInWindow: boolean;
  /** First crash of an episode: it adds one device to the gate's count. */
  newEpisode: boolean;
}

export class CrashTable {
  private readonly devices = new Map<string, CrashMemory>();
  private readonly limit: number;
  private readonly episodeMs: number;
  evicted = 0;

  constructor(limit: number, episodeMs: number) {
    this.limit = limit;
    this.episodeMs = episodeMs;
  }

  record(deviceId: string, atMs: number, window: number, counted: boolean): CrashOutcome {
    const known = this.devices.get(deviceId);
    const newEpisode = !known || atMs - known.lastAtMs > this.episodeMs;
    const newInWindow = counted && !(known?.windows.includes(window) ?? false);
    const memory: CrashMemory = known ?? { lastAtMs: atMs, windows: [] };
    memory.lastAtMs = Math.max(memory.lastAtMs, atMs);
    if (newInWindow) {
      memory.windows.push(window);
      if (memory.windows.length > WINDOWS_KEPT) memory.windows.shift();
    }
    // Re-insert so Map order is least-recently-crashed first.
    this.devices.delete(deviceId);
    this.devices.set(deviceId, memory);
    if (this.devices.size > this.limit) {
      this.devices.delete(this.devices.keys().next().value as string);
      this.evicted++;
    }
    return { newInWindow, newEpisode: newEpisode && counted };
  }

  get size(): number {
    return this.devices.size;
  }
}
