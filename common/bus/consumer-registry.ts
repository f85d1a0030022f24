// Consumers a bus created, so one monitor can watch all of them (lag, stalls) whoever created them.
import type { BusConsumer } from './types.ts';

export interface RegisteredConsumer {
  groupId: string;
  topics: string[];
  consumer: BusConsumer;
}

export class ConsumerRegistry {
  private readonly entries: RegisteredConsumer[] = [];

  add(entry: RegisteredConsumer): void {
    this.entries.push(entry);
  }

  /** Consumers that have started and not stopped. */
  active(): RegisteredConsumer[] {
    return this.entries.filter((e) => e.consumer.stats.started && !e.consumer.stats.stopped);
  }
}
