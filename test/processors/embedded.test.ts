// The processor role on the in-memory bus (embedded mode): the same pipeline as on Kafka, including a
// small fleet that leaves some partitions without a single device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRoles } from '../../app/run-roles.ts';
import { createRegistry } from '../../common/telemetry/metrics.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import { processorFactory } from '../../processors/role.ts';
import { buildScenario } from './support/scenario.ts';
import { judgedThrough, publishScenario, readDecisions } from './support/kafka-run.ts';
import { testConfig } from './support/settings.ts';

const START = Date.UTC(2026, 0, 5, 12, 0, 0);

test('embedded: a six-device fleet on eight partitions is judged (empty partitions follow the fleet)', async () => {
  const config = testConfig({}, { kind: 'memory', partitions: 8 });
  const running = await runRoles({ config, factories: [processorFactory], logger: silentLogger, registry: createRegistry(false) });
  try {
    const reader = await readDecisions(running.bus, running.context.topics.decisions);
    const envs = buildScenario({
      startMs: START, endMs: START + 12_000, heartbeatMs: 1000, regions: ['us'],
      rings: [{ name: 'canary', devices: 3 }, { name: 'broad', devices: 3 }],
      components: { agent: '1.0' },
      deployments: [{ component: 'agent', version: '2.0', ring: 'canary', action: 'started', at: START + 3000 }],
      takes: [{ ring: 'canary', component: 'agent', version: '2.0', share: 1, at: START + 3000 }],
    });
    await publishScenario(running.context.producer, running.context.topics, envs);
    const decisions = await reader.until(judgedThrough(START + 8000), 20_000);
    await reader.stop();
    const agent = decisions.filter((d) => d.release?.component === 'agent' && d.ring === 'canary');
    assert.ok(agent.length >= 9, 'agent@2.0 is judged in canary every window');
    assert.ok(decisions.every((d) => d.verdict !== 'fail'));
  } finally {
    await running.stop();
  }
});
