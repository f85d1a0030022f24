// Patch-Tuesday-like reboot waves: at each occurrence of a wave a fixed share of devices reboots, each at
// its own moment within the wave's spread. Which devices and when is a hash of (seed, device, wave,
// occurrence), so no per-device state is kept beyond the next reboot time.
import { hashUnit } from './rng.ts';
import type { Scenario } from './scenario-schema.ts';

interface Wave { startMs: number; everyMs: number; spreadMs: number; share: number; downMs: number }

/** Occurrences looked at per search; beyond it a device with a tiny share simply skips to Infinity. */
const MAX_OCCURRENCES_SEARCHED = 10_000;

export class RebootWaves {
  private readonly waves: Wave[];

  constructor(scenario: Scenario, startMs: number) {
    this.waves = scenario.noise.reboot_waves.map((w) => ({
      startMs: startMs + w.start_secs * 1000, everyMs: w.every_secs * 1000, spreadMs: w.spread_secs * 1000,
      share: w.share, downMs: w.down_secs * 1000,
    }));
  }

  /** The device's next wave reboot strictly after `afterMs` (Infinity if none). */
  nextAfter(seed: number, device: number, afterMs: number): number {
    let best = Infinity;
    this.waves.forEach((w, wi) => {
      const first = w.everyMs > 0 ? Math.max(0, Math.floor((afterMs - w.startMs - w.spreadMs) / w.everyMs)) : 0;
      for (let k = first; k < first + MAX_OCCURRENCES_SEARCHED; k++) {
        const base = w.startMs + k * w.everyMs;
        if (base > best || (k > 0 && w.everyMs === 0)) break;
        const t = base + hashUnit(seed, device, 100 + wi, k) * w.spreadMs;
        if (t > afterMs && hashUnit(seed, device, 200 + wi, k) < w.share) {
          best = Math.min(best, t);
          break;
        }
      }
    });
    return best;
  }

  /** How long a device rebooting at `atMs` stays down (the down time of the wave it belongs to). */
  downMsAt(atMs: number): number {
    const wave = this.waves.find((w) => atMs >= w.startMs && (w.everyMs === 0 ? atMs <= w.startMs + w.spreadMs
      : (atMs - w.startMs) % w.everyMs <= w.spreadMs));
    return wave?.downMs ?? this.waves[0]?.downMs ?? 5000;
  }
}
