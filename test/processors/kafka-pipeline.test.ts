// The processor role through a real Kafka broker: telemetry published to the topics as collectors would,
// decisions read back from the decisions topic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRoles } from '../../app/run-roles.ts';
import { createRegistry } from '../../common/telemetry/metrics.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import { processorFactory } from '../../processors/role.ts';
import { testBrokers, uniquePrefix } from '../support/kafka.ts';
import { build, catastropheScenario, regionGapScenario } from './support/scenarios.ts';
import { expectCatastrophe, expectRegionGap } from './support/expectations.ts';
import { judgedThrough, publishScenario, readDecisions } from './support/kafka-run.ts';
import { kafkaBus, testConfig } from './support/settings.ts';

const START = Date.UTC(2026, 0, 5, 12, 0, 0);

async function throughKafka(name: string, envs: ReturnType<typeof build>, lastWindowMs: number) {
  const config = testConfig({}, kafkaBus(testBrokers(), uniquePrefix(name)));
  const registry = createRegistry(false);
  const running = await runRoles({ config, factories: [processorFactory], logger: silentLogger, registry });
  try {
    const reader = await readDecisions(running.bus, running.context.topics.decisions);
    await publishScenario(running.context.producer, running.context.topics, envs);
    const decisions = await reader.until(judgedThrough(lastWindowMs), 120_000);
    await reader.stop();
    const metrics = await registry.metrics();
    return { decisions, metrics };
  } finally {
    await running.stop();
  }
}

test('through Kafka: the silent canary catastrophe fails the right release in time; the healthy one and one crash-flooding device do not', async () => {
  const { spec, times } = catastropheScenario(START);
  const envs = build(spec);
  const { decisions, metrics } = await throughKafka('proc-catastrophe', envs, times.endMs - 3000);
  expectCatastrophe(decisions, envs, times);
  assert.match(metrics, /ringwatch_processor_verdict\{ring="canary",component="channel-291",version="101",signal="silent",layer="catastrophe"\} 2/);
  assert.match(metrics, /ringwatch_processor_events_total\{topic="crashes",outcome="accepted"\} \d{4}/);
});

test('through Kafka: a dark region is a pipeline alarm with zero release failures, and its backfill makes no spike', async () => {
  const { spec, outage } = regionGapScenario(START);
  const { decisions, metrics } = await throughKafka('proc-gap', build(spec), spec.endMs - 3000);
  expectRegionGap(decisions, outage);
  assert.match(metrics, /ringwatch_processor_events_total\{topic="crashes",outcome="backfill"\} 40/);
});
