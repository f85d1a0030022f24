// Is ringwatch itself able to answer? The verdict API and the Flagger hooks answer 5xx only for these
// reasons, never for a bad release: state not read back yet, the bus down, or the decisions consumer
// too far behind to know the latest verdicts.
import type { Bus } from '../../common/bus/types.ts';
import type { Lifecycle } from '../../common/runtime/lifecycle.ts';
import type { Logger } from '../../common/telemetry/logger.ts';

export const UNHEALTHY_REASONS = ['restoring', 'bus_unavailable', 'lagging'] as const;
export type Health = { ok: true } | { ok: false; reason: (typeof UNHEALTHY_REASONS)[number] };

export interface LagWatchOptions {
  bus: Bus;
  groupId: string;
  topic: string;
  intervalMs: number;
  maxLag: number;
  logger: Logger;
}

/** Measures the decisions consumer's lag every interval (kafkajs #659: a stalled consumer looks alive). */
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

export function health(restored: boolean, busReady: boolean, lag: LagWatch): Health {
  if (!restored) return { ok: false, reason: 'restoring' };
  if (!busReady || lag.failing) return { ok: false, reason: 'bus_unavailable' };
  if (!lag.caughtUp()) return { ok: false, reason: 'lagging' };
  return { ok: true };
}
