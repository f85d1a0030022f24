// `ringwatch collector` with collector.workers 2 on a real broker: requests spread over the worker
// processes are acknowledged and read back, /metrics on the shared port counts every worker's events
// whichever worker answers it, and SIGTERM stops the primary and every worker.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heartbeat } from '../../tools/bench/ingest/events.ts';
import { freePort } from '../../common/runtime/free-port.ts';
import { DEVICE_TOKEN, post } from './support/harness.ts';
import { envelopes, kafkaReader } from './support/read-topic.ts';
import { startCli } from '../support/cli.ts';
import { testBrokers, uniquePrefix } from '../support/kafka.ts';

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

it('two collector workers share one port: every acknowledged event is in Kafka, /metrics sums both, SIGTERM stops all', async () => {
  const brokers = testBrokers();
  const prefix = uniquePrefix('collector-workers');
  const port = await freePort();
  const file = join(mkdtempSync(join(tmpdir(), 'ringwatch-workers-')), 'collector.yaml');
  writeFileSync(file, JSON.stringify({
    bus: { kind: 'kafka', topic_prefix: prefix, partitions: 3, kafka: { brokers } },
    telemetry: { log_level: 'info' },
    collector: { listen_host: '127.0.0.1', listen_port: port, device_tokens: [DEVICE_TOKEN], workers: '2' },
  }));
  const { child, output } = await startCli(['collector', '-c', file], /ringwatch running/, {}, 120_000);
  const url = `http://127.0.0.1:${port}`;
  try {
    // Each worker logs on its own (asynchronously): its line may come a moment after the primary's.
    const startedPids = () => [...output().matchAll(/"pid":(\d+)[^\n]*"msg":"role started"/g)].map((m) => Number(m[1]));
    for (let waited = 0; startedPids().length < 2 && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    const workerPids = startedPids();
    assert.equal(new Set(workerPids).size, 2, 'two worker processes started the collector role');
    // Eight requests at once: the client opens several connections, which the primary deals to both workers.
    const runId = 'workers';
    const bodies = Array.from({ length: 8 }, (_, r) => ({ events: Array.from({ length: 25 }, (_, i) => heartbeat(r * 25 + i, { runId })) }));
    const answers = await Promise.all(bodies.map(async (body) => {
      for (let attempt = 0; ; attempt++) { // a broker still creating the new topics answers 503: retried like a device
        const a = await post(url, '/v1/heartbeats', body);
        if (a.status !== 503 || attempt >= 5) return a;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }));
    assert.deepEqual(answers.map((a) => a.status), Array(8).fill(200));
    const stored = await envelopes(kafkaReader(brokers), `${prefix}heartbeats`);
    const ids = new Set(stored.map((s) => (s.envelope.event as { eventId: string }).eventId));
    for (let i = 0; i < 200; i++) assert.ok(ids.has(`${runId}-hb-${i}`), `event ${i} is in Kafka`);
    // Each /metrics request lands on one worker; every one answers with the sum over both.
    for (let k = 0; k < 4; k++) {
      const text = await (await fetch(`${url}/metrics`, { headers: { connection: 'close' } })).text();
      const accepted = /^ringwatch_collector_events_total\{signal="heartbeat",outcome="accepted",reason="ok"\} (\d+)$/m.exec(text)?.[1];
      assert.equal(Number(accepted), 200, 'accepted heartbeats summed over the workers');
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, 'the primary exits 0 after its workers stopped');
    for (const pid of workerPids) assert.equal(alive(pid), false, `worker ${pid} is gone`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
