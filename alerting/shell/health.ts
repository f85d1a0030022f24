// Is ringwatch itself able to judge? When it is not (state not read back yet, the bus out of reach, or
// too far behind the decisions or, on a standby, the active replica's state writes), the verdict API
// answers `inconclusive` with one of these reasons (alerting/api/degraded.ts), never a verdict.
import type { Bus } from '../../common/bus/types.ts';
import type { Lifecycle } from '../../common/runtime/lifecycle.ts';
import type { Logger } from '../../common/telemetry/logger.ts';

export const DEGRADED_REASONS = ['restoring', 'bus_unavailable', 'not_caught_up'] as const;
export type DegradedReason = (typeof DEGRADED_REASONS)[number];
export type Health = { ok: true } | { ok: false; reason: DegradedReason };

export interface LagWatchOptions {
  bus: Bus;
  groupId: string;
  topic: string;
  intervalMs: number;
  maxLag: number;
  logger: Logger;
}

/** Measures a consumer group's lag every interval (kafkajs #659: a stalled consumer looks alive). */
export class LagWatch implements Lifecycle {
  private readonly o: LagWatchOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** undefined until the first measurement. */
  lag: number | undefined;
  failing = false;

  constructor(options: LagWatchOptions) {
    this.o = options;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    await this.measure();
    this.timer = setInterval(() => { this.running ??= this.measure().finally(() => { this.running = undefined; }); }, this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  caughtUp(): boolean {
    return !this.failing && this.lag !== undefined && this.lag <= this.o.maxLag;
  }

  private async measure(): Promise<void> {
    try {
      const parts = await this.o.bus.lag(this.o.groupId, [this.o.topic]);
      this.lag = parts.reduce((sum, p) => sum + p.lag, 0);
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.o.logger.warn({ err: (err as Error).message }, 'cannot measure decisions lag');
      this.failing = true;
    }
  }
}

/** Restored first, then reachable, then caught up on every watched group (decisions; on a standby also its state tail). */
export function health(restored: boolean, busReady: boolean, lags: LagWatch[]): Health {
  if (!restored) return { ok: false, reason: 'restoring' };
  if (!busReady || lags.some((l) => l.failing)) return { ok: false, reason: 'bus_unavailable' };
  if (!lags.every((l) => l.caughtUp())) return { ok: false, reason: 'not_caught_up' };
  return { ok: true };
}
