// Two processor instances as real processes on a real broker, one of them SIGKILLed mid-stream or not:
// the decisions of the compared windows, for test/processors/sigkill.test.ts and the fault suite.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '../../../common/bus/kafka-bus.ts';
import { busBatching, topicSpecs } from '../../../common/bus/create-bus.ts';
import { topicNames } from '../../../common/bus/topics.ts';
import type { Decision } from '../../../common/contract/decision.ts';
import { silentLogger } from '../../../common/telemetry/logger.ts';
import { sleep, withRetries } from '../../../common/runtime/retry.ts';
import { testBrokers, uniquePrefix } from '../../support/kafka.ts';
import { build, catastropheScenario, PROCESSOR_SETTINGS } from './scenarios.ts';
import { expectCatastrophe } from './expectations.ts';
import { judgedThrough, publishScenario, readDecisions } from './kafka-run.ts';
import { kafkaBus, testConfig } from './settings.ts';

const START = Date.UTC(2026, 0, 5, 12, 0, 0);
const CLI = join(import.meta.dirname, '../../../app/ringwatch.ts');

function startInstance(configFile: string, id: string): { child: ChildProcess; running: Promise<void>; output: string[] } {
  const output: string[] = [];
  const child = spawn(process.execPath, [CLI, 'processor', '-c', configFile], {
    env: { ...process.env, RINGWATCH_INSTANCE_ID: id }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (chunk.toString().includes('ringwatch running')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`instance ${id} exited (${code}): ${output.join('').slice(-2000)}`)));
  });
  running.catch(() => {});
  return { child, running, output };
}

/** SIGTERM, then SIGKILL if it has not exited within 10 s. */
async function stopInstance(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function runTwoProcessors(kill: boolean): Promise<Decision[]> {
  const prefix = uniquePrefix(kill ? 'proc-kill' : 'proc-nokill');
  const busSettings = kafkaBus(testBrokers(), prefix, 4);
  const dir = mkdtempSync(join(tmpdir(), 'ringwatch-proc-'));
  const file = join(dir, 'processor.yaml');
  writeFileSync(file, JSON.stringify({
    bus: busSettings, telemetry: { log_level: 'info' },
    processor: { ...PROCESSOR_SETTINGS, listen_host: '127.0.0.1', listen_port: 0, group_id: `${prefix}processor` },
  }));
  const config = testConfig({}, busSettings);
  // Written as the collector writes (batch records, format v3 by default, unless bus.batch_records is off).
  const bus = new KafkaBus({ settings: config.bus.kafka, clientId: 'test', replicationFactor: 1, logger: silentLogger, batching: busBatching(config.bus) });
  const topics = topicNames(prefix);
  const instances: ReturnType<typeof startInstance>[] = [];
  let reader: Awaited<ReturnType<typeof readDecisions>> | undefined;
  const producer = bus.producer();
  try {
    await bus.start();
    // Created up front: two instances creating the same topics at the same instant race in the broker
    // (see the report); a freshly created topic may need a moment before its leaders answer.
    await withRetries(async () => {
      await bus.ensureTopics(topicSpecs(config.bus));
      await producer.start();
      reader = await readDecisions(bus, topics.decisions, kill ? 'run with SIGKILL' : 'run without kill');
    }, { attempts: 5, initialMs: 500, maxMs: 2000 });
    instances.push(startInstance(file, 'a'), startInstance(file, 'b'));
    await Promise.all(instances.map((i) => i.running));
    const { spec, times } = catastropheScenario(START);
    const envs = build(spec);
    const middle = START + 12_000;
    await publishScenario(producer, topics, envs, 1000, 0, middle);
    await reader!.until(judgedThrough(START + 9_000), 120_000);
    if (kill) {
      // SIGKILL mid-window, then restarted at once as a supervisor would: the restarted instance joins the
      // group again and rebuilds what it is given by replay, while the survivor holds the rest.
      const killed = instances[0].child;
      const gone = new Promise((resolve) => killed.once('exit', resolve));
      killed.kill('SIGKILL');
      await gone;
      instances.push(startInstance(file, 'a'));
      await instances[instances.length - 1].running;
    }
    await publishScenario(producer, topics, envs, 1000, middle);
    // Judged two windows further than compared, so every decision of the compared windows has been read.
    const decisions = await reader!.until(judgedThrough(times.endMs - 2000), 90_000);
    await sleep(1000);
    if (kill) {
      const rebuilt = instances.slice(1).map((i) => i.output.join('')).join('');
      assert.match(rebuilt, /source state rebuilt by replay/, 'the survivor or the restarted instance rebuilt the dead instance\'s partitions');
      expectCatastrophe(decisions, envs, times);
    }
    return reader!.decisions().filter((d) => Date.parse(d.windowStart) <= times.endMs - 4000);
  } finally {
    await Promise.all(instances.map((i) => stopInstance(i.child)));
    await producer.stop();
    await bus.stop();
    await reader?.stop();
  }
}

