// The ingest contract on the in-memory bus (embedded mode): fast feedback, same assertions as on Kafka.
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { startCollector } from './support/harness.ts';
import { ingestContract } from './support/ingest-contract.ts';
import { memoryReader } from './support/read-topic.ts';

ingestContract('memory bus', async () => {
  const bus = new MemoryBus();
  const harness = await startCollector({ bus });
  return { harness, read: memoryReader(bus) };
});
