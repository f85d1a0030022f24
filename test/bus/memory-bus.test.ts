import { MemoryBus, type MemoryConsumer } from '../../common/bus/memory-bus.ts';
import { busContract } from './contract.ts';

busContract({
  name: 'memory',
  takeoverMs: 5_000,
  create: async () => new MemoryBus({ maxBatch: 20 }),
  async processThenKill(bus, { groupId, topic, atLeast }) {
    const processed: string[] = [];
    let consumer!: MemoryConsumer;
    let crashed!: () => void;
    const done = new Promise<void>((resolve) => { crashed = resolve; });
    consumer = bus.consumer({
      groupId, topics: [topic],
      handler: async (batch) => {
        for (const r of batch.records) processed.push((JSON.parse(r.value.toString()) as { eventId: string }).eventId);
        if (processed.length >= atLeast) {
          consumer.simulateCrash(); // dies after processing, before the commit
          crashed();
          await new Promise(() => {}); // never returns, like a killed process
        }
      },
    }) as MemoryConsumer;
    await consumer.start();
    await done;
    return processed;
  },
});
