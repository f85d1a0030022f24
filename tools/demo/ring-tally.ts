// What the demo's progress display shows per ring, from the telemetry ringwatch received (not from the
// simulator's ground truth): devices heard from, how many reported recently, how many went silent, and
// how many sent a crash report lately. Pure: records (or envelopes) and a time in, counts out.
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import { recordEntries } from '../../common/contract/record-entries.ts';
import { isTick } from '../../common/contract/ticks.ts';

export interface RingView {
  ring: string;
  devices: number;
  reporting: number;
  silent: number;
  crashed: number;
}

export interface TallySettings {
  /** A device with no heartbeat for this long counts as silent. */
  silentAfterMs: number;
  /** A crash report this recent counts the device as crashed. */
  crashRecentMs: number;
  /** Most devices remembered; the display is an overview, so further devices are counted, not kept. */
  maxDevices: number;
}

interface DeviceSeen {
  ring: string;
  lastHeartbeatMs: number;
  lastCrashMs: number;
}

export class RingTally {
  private readonly devices = new Map<string, DeviceSeen>();
  private readonly settings: TallySettings;
  /** Devices not tracked because maxDevices was reached. */
  untracked = 0;

  constructor(settings: TallySettings) {
    this.settings = settings;
  }

  /**
   * A consumed telemetry record: collectors write batch records (several events each), in any record format;
   * the crashes topic also carries the processors' watermark ticks, which are no telemetry.
   */
  feedRecord(r: { key: string; value: Buffer; headers?: Record<string, string> }): void {
    if (isTick(r.headers)) return;
    for (const e of recordEntries(r)) this.feed(JSON.parse(e.value.toString()) as AnyEnvelope);
  }

  feed(envelope: AnyEnvelope): void {
    if (envelope.kind === 'deployment') return;
    const event = envelope.event as { deviceId: string; ring: string };
    const at = Date.parse(envelope.receivedAt);
    let seen = this.devices.get(event.deviceId);
    if (!seen) {
      if (this.devices.size >= this.settings.maxDevices) { this.untracked++; return; }
      seen = { ring: event.ring, lastHeartbeatMs: Number.NEGATIVE_INFINITY, lastCrashMs: Number.NEGATIVE_INFINITY };
      this.devices.set(event.deviceId, seen);
    }
    seen.ring = event.ring;
    if (envelope.kind === 'heartbeat') seen.lastHeartbeatMs = Math.max(seen.lastHeartbeatMs, at);
    else seen.lastCrashMs = Math.max(seen.lastCrashMs, at);
  }

  /** Per ring, in the order given (rings never heard from show zeros). */
  snapshot(nowMs: number, rings: string[]): RingView[] {
    const views = new Map(rings.map((ring) => [ring, { ring, devices: 0, reporting: 0, silent: 0, crashed: 0 }]));
    for (const d of this.devices.values()) {
      const v = views.get(d.ring);
      if (!v) continue;
      v.devices++;
      if (nowMs - d.lastHeartbeatMs >= this.settings.silentAfterMs) v.silent++;
      else v.reporting++;
      if (nowMs - d.lastCrashMs < this.settings.crashRecentMs) v.crashed++;
    }
    return [...views.values()];
  }
}
