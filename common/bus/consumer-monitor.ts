// Lag and stall watchdog over every consumer of a bus. kafkajs consumers can stall silently (#659): a
// consumer with records waiting that has committed nothing for `stallMs` turns /readyz red, so the
// supervisor (Kubernetes) restarts the process; lag is exported for dashboards and alerts.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Bus } from './types.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Lifecycle, ReadinessCheck } from '../runtime/lifecycle.ts';
import type { Logger } from '../telemetry/logger.ts';

export class ConsumerMonitor implements Lifecycle {
  private timer: NodeJS.Timeout | undefined;
  private stalledGroups = new Set<string>();
  private readonly lag: Gauge<'group' | 'topic'>;
  private readonly progress: Gauge<'group'>;
  private readonly stalls: Counter<'group'>;
  private readonly bus: Bus;
  private readonly options: { pollMs: number; stallMs: number; clock: Clock; logger: Logger };

  constructor(bus: Bus, registry: Registry, options: { pollMs: number; stallMs: number; clock: Clock; logger: Logger }) {
    this.bus = bus;
    this.options = options;
    this.lag = new Gauge({ name: 'ringwatch_consumer_lag_records', help: 'Records not yet committed by the consumer group, per topic.', labelNames: ['group', 'topic'], registers: [registry] });
    this.progress = new Gauge({ name: 'ringwatch_consumer_last_progress_timestamp_seconds', help: 'When the group last committed a batch (or started).', labelNames: ['group'], registers: [registry] });
    this.stalls = new Counter({ name: 'ringwatch_consumer_stalls_total', help: 'Times a consumer with lag made no progress for bus.consumer_stall_secs.', labelNames: ['group'], registers: [registry] });
  }

  readonly readiness: ReadinessCheck = { name: 'consumers', ready: () => this.stalledGroups.size === 0 };

  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check().catch((err: unknown) => this.options.logger.warn({ err: (err as Error).message }, 'lag check failed')), this.options.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One measurement (exposed for tests). */
  async check(): Promise<void> {
    const now = this.options.clock.now();
    const stalled = new Set<string>();
    for (const { groupId, topics, consumer } of this.bus.consumers()) {
      const lags = await this.bus.lag(groupId, topics);
      let total = 0;
      for (const topic of topics) {
        const lag = lags.filter((l) => l.topic === topic).reduce((sum, l) => sum + l.lag, 0);
        this.lag.set({ group: groupId, topic }, lag);
        total += lag;
      }
      this.progress.set({ group: groupId }, Math.floor(consumer.stats.lastProgressMs / 1000));
      this.stalls.inc({ group: groupId }, 0); // the series exists (at 0) before the first stall
      if (total > 0 && now - consumer.stats.lastProgressMs > this.options.stallMs) stalled.add(groupId);
    }
    for (const group of stalled) {
      if (!this.stalledGroups.has(group)) {
        this.stalls.inc({ group });
        this.options.logger.error({ group }, 'consumer stalled: lag but no progress');
      }
    }
    this.stalledGroups = stalled;
  }
}
