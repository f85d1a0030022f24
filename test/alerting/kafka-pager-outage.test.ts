// Must show: the pager answers 503 for a while (minutes compressed into seconds by small backoffs), the
// alerter is killed (SIGKILL) and restarted in between, then the pager recovers: the page arrives exactly
// once, and the halt once. Real Kafka broker; the alerter runs as `ringwatch alerter` child processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { releaseKey } from '../../common/contract/decision.ts';
import { startCli } from '../support/cli.ts';
import { testBrokers, uniquePrefix } from '../support/kafka.ts';
import { FakeReceiver, releaseDecision, waitFor, sleepMs, type Received } from './support.ts';
import { alertingSettings, decisionRecords, getJson, verdictPath } from './harness.ts';
import { testKafkaBus, topicReader } from './kafka-support.ts';

const BAD = { component: 'channel-291', version: 'C-291-bad' };
const GOOD = { component: 'agent', version: '7.16.1' };

describe('pager outage across an alerter restart (Kafka)', () => {
  const prefix = uniquePrefix('alert-outage');
  const pager = new FakeReceiver();
  const hooks = new FakeReceiver();
  const accepted: Received[] = [];
  let outage = true;
  const answer = (r: Received) => {
    if (outage) return { status: 503 };
    accepted.push(r);
    return { status: 202 };
  };
  const bus = testKafkaBus(testBrokers(), 'alert-outage-test');
  const children: ChildProcess[] = [];
  let configFile = '';

  async function startAlerter() {
    const { child, output } = await startCli(['alerter', '-c', configFile], /"role":"alerter","port":\d+/, {}, 90_000);
    children.push(child);
    const port = Number(/"role":"alerter","port":(\d+)/.exec(output())?.[1]);
    return { child, url: `http://127.0.0.1:${port}` };
  }

  before(async () => {
    await pager.start();
    await hooks.start();
    pager.respond = answer;
    hooks.respond = answer;
    configFile = join(mkdtempSync(join(tmpdir(), 'ringwatch-alerting-')), 'alerter.yaml');
    writeFileSync(configFile, JSON.stringify({
      bus: { kind: 'kafka', topic_prefix: prefix, partitions: 2, kafka: { brokers: testBrokers(), session_timeout_ms: 6000, heartbeat_interval_ms: 1000 } },
      alerting: alertingSettings(pager, hooks, { group_id: `${prefix}alerter`, retry_initial_delay_ms: 200, max_retry_delay_ms: 1000 }),
    }));
    await bus.start();
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await bus.stop();
    await pager.stop();
    await hooks.stop();
  });

  it('delivers the page once after recovery, although the alerter was killed during the outage', async (t) => {
    const first = await startAlerter();
    const now = Date.now() - 2000;
    const producer = bus.producer();
    await producer.start();
    await producer.publish(`${prefix}decisions`, decisionRecords([releaseDecision({ ...BAD, verdict: 'fail' }, now), releaseDecision(GOOD, now)]));
    await producer.stop();

    const triggers = () => pager.on('/v2/enqueue').filter((r) => r.json().event_action === 'trigger');
    await waitFor('two refused page attempts', () => triggers().length >= 2, 30_000);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const attemptsBeforeRestart = triggers().length;

    const restartStarted = Date.now();
    const second = await startAlerter();
    t.diagnostic(`restart to serving: ${Date.now() - restartStarted} ms; refused attempts before the kill: ${attemptsBeforeRestart}`);
    await waitFor('the restarted alerter retrying the page it read back', () => triggers().length > attemptsBeforeRestart, 30_000);
    outage = false;
    const recovered = Date.now();
    await waitFor('the page accepted', () => accepted.some((r) => r.path === '/v2/enqueue'), 30_000);
    t.diagnostic(`page accepted ${Date.now() - recovered} ms after the pager recovered; ${triggers().length} trigger attempts in all`);
    await sleepMs(3000); // anything that would arrive twice arrives by now (max_retry_delay_ms is 1 s)

    const acceptedPages = accepted.filter((r) => r.path === '/v2/enqueue').map((r) => r.json());
    assert.equal(acceptedPages.length, 1, 'exactly one page reached PagerDuty');
    assert.equal(acceptedPages[0].event_action, 'trigger');
    assert.equal(new Set(triggers().map((r) => r.json().dedup_key)).size, 1, 'every attempt carried the same dedup_key');
    assert.equal(accepted.filter((r) => r.path === '/v2/change/enqueue').length, 1, 'one change event for the halt');
    const hookTypes = accepted.filter((r) => r.path === '/ringwatch').map((r) => r.json().type).sort();
    assert.deepEqual(hookTypes, ['incident.opened', 'signal.halt']);

    const reader = await topicReader(bus, `${prefix}signals`);
    await waitFor('the halt on the signals topic', () => reader.records.length >= 1, 30_000);
    await sleepMs(1000);
    await reader.stop();
    assert.equal(reader.records.length, 1);
    assert.equal(reader.records[0].key, releaseKey(BAD));

    const bad = await getJson(`${second.url}${verdictPath(BAD.component, BAD.version, 'canary')}`);
    const good = await getJson(`${second.url}${verdictPath(GOOD.component, GOOD.version, 'canary')}`);
    assert.deepEqual([bad.status, bad.body.data.verdict, good.body.data.verdict], [200, 'fail', 'pass']);

    second.child.kill('SIGTERM');
    const code = await new Promise((resolve) => second.child.once('exit', resolve));
    assert.equal(code, 0, 'graceful stop');
  });
});
