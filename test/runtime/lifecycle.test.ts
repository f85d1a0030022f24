// One lifecycle contract for every long-running component: stop() is safe before start(),
// idempotent, and start() returns promptly. Runs over every role and the shared components.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { buildConfig } from '../../app/config.ts';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { CoalescingProducer } from '../../common/bus/coalescing-producer.ts';
import { ConsumerMonitor } from '../../common/bus/consumer-monitor.ts';
import { topicSpecs } from '../../common/bus/create-bus.ts';
import { topicNames } from '../../common/bus/topics.ts';
import { HttpServer } from '../../common/http/server.ts';
import { systemClock } from '../../common/runtime/clock.ts';
import type { Lifecycle } from '../../common/runtime/lifecycle.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import { ROLE_FACTORIES, ROLE_SECTION } from '../../app/role-factories.ts';
import { sharedSettings } from '../../app/run-roles.ts';

async function components(): Promise<Record<string, () => Lifecycle>> {
  const config = buildConfig({ bus: { kind: 'memory' }, collector: { auth_enabled: false, listen_port: 0 }, processor: { listen_port: 0 }, alerting: { listen_port: 0, board_listen_port: 0 } }, {});
  const bus = new MemoryBus();
  await bus.ensureTopics(topicSpecs(config.bus));
  const context = (name: keyof typeof ROLE_SECTION) => ({
    settings: config[ROLE_SECTION[name]], shared: sharedSettings(config), bus, producer: bus.producer(), topics: topicNames(config.bus.topic_prefix),
    registry: new Registry(), logger: silentLogger, clock: systemClock,
  });
  return {
    'memory bus': () => new MemoryBus(),
    'coalescing producer': () => new CoalescingProducer(bus.producer(), { lingerMs: 5, maxRecords: 10 }),
    'consumer monitor': () => new ConsumerMonitor(bus, new Registry(), { pollMs: 1000, stallMs: 10_000, clock: systemClock, logger: silentLogger }),
    'http server': () => new HttpServer({ host: '127.0.0.1', port: 0, registry: new Registry(), readiness: [], routes: [], logger: silentLogger }),
    ...Object.fromEntries(Object.entries(ROLE_FACTORIES).map(([name, f]) => [`role ${name}`, () => f.create(context(name as keyof typeof ROLE_SECTION))])),
  };
}

describe('lifecycle contract', async () => {
  for (const [name, make] of Object.entries(await components())) {
    it(`${name}: stop() before start() is safe`, async () => {
      await make().stop();
    });

    it(`${name}: start() returns promptly, stop() twice is safe`, async () => {
      const c = make();
      const began = Date.now();
      await c.start();
      assert.ok(Date.now() - began < 10_000, 'start() must return once the component works, not block');
      await c.stop();
      await c.stop();
    });
  }
});
