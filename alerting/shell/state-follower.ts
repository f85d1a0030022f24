// A standby's view of the active replica's work: it tails the incidents topic (every state change the
// active alerter persists, before it commits the decisions behind it) and applies each record to its
// own verdict table, so every replica answers the verdict API and hooks with the same table. Read-only:
// a follower never writes. It reads with a group of its own (deleted when it stops) so that its lag can
// be measured; records before `fromOffset` (what the read-back at start already gave) are skipped, so the
// table never steps back to an older value while the follower replays the topic.
import type { Bus, BusConsumer } from '../../common/bus/types.ts';
import type { Lifecycle } from '../../common/runtime/lifecycle.ts';
import type { Logger } from '../../common/telemetry/logger.ts';
import { decodeState } from '../../common/contract/alerter-state.ts';
import { LagWatch } from './health.ts';

export interface FollowerOptions {
  bus: Bus;
  topic: string;
  groupId: string;
  fromOffset: bigint;
  /** A key's latest value (undefined: deleted). */
  apply: (key: string, value: Record<string, unknown> | undefined) => void;
  maxLag: number;
  lagIntervalMs: number;
  logger: Logger;
}

export class StateFollower implements Lifecycle {
  readonly lag: LagWatch;
  private readonly o: FollowerOptions;
  private consumer: BusConsumer | undefined;

  constructor(options: FollowerOptions) {
    this.o = options;
    this.lag = new LagWatch({ bus: options.bus, groupId: options.groupId, topic: options.topic, intervalMs: options.lagIntervalMs, maxLag: options.maxLag, logger: options.logger });
  }

  async start(): Promise<void> {
    const { bus, topic, groupId, fromOffset, apply, logger } = this.o;
    this.consumer = bus.consumer({
      groupId, topics: [topic], fromBeginning: true,
      handler: async (batch) => {
        for (const r of batch.records) {
          if (BigInt(r.offset) < fromOffset) continue;
          if (r.tombstone || !r.value.length) { apply(r.key, undefined); continue; }
          const decoded = decodeState(r.key, r.value);
          if (decoded.ok) apply(r.key, decoded.value);
          else logger.warn({ key: r.key.slice(0, 200), offset: r.offset, reason: decoded.errors[0]?.reason }, 'unreadable state record skipped by the standby');
        }
      },
    });
    await this.consumer.start();
    await this.lag.start();
  }

  async stop(): Promise<void> {
    await this.lag.stop();
    await this.consumer?.stop();
    this.consumer = undefined;
    await this.o.bus.deleteGroups([this.o.groupId]).catch((err: Error) => this.o.logger.warn({ err: err.message }, 'standby group not deleted'));
  }
}
