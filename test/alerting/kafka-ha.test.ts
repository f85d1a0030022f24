// Must show: two alerter replicas (`ringwatch alerter` child processes) on a real Kafka broker. The
// active one is SIGKILLed; the standby's verdict API keeps answering (200 throughout: the verdict, or
// inconclusive with a reason while it takes over), it becomes active within the takeover bound, and the
// page for a failure that arrives after the kill reaches the (fake, local) PagerDuty exactly once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startCli } from '../support/cli.ts';
import { testBrokers, uniquePrefix } from '../support/kafka.ts';
import { FakeReceiver, releaseDecision, waitFor } from './support.ts';
import { alertingSettings, decisionRecords, getJson, received, verdictPath } from './harness.ts';
import { testKafkaBus } from './kafka-support.ts';

const FIRST = { component: 'channel-291', version: 'C-291-first' };
const SECOND = { component: 'channel-292', version: 'C-292-after-kill' };
const SESSION_MS = 6000; // the broker's group.min.session.timeout.ms

interface Replica { child: ChildProcess; url: string; output: () => string }

async function isActive(r: Replica): Promise<boolean> {
  const text = await fetch(`${r.url}/metrics`).then((res) => res.text()).catch(() => '');
  return /^ringwatch_alerting_active 1$/m.test(text);
}

describe('two alerter replicas, the active one SIGKILLed (Kafka)', () => {
  const prefix = uniquePrefix('alert-ha');
  const pager = new FakeReceiver();
  const hooks = new FakeReceiver();
  const bus = testKafkaBus(testBrokers(), 'alert-ha-test');
  const replicas: Replica[] = [];
  let configFile = '';

  async function startReplica(id: string): Promise<Replica> {
    const { child, output } = await startCli(['alerter', '-c', configFile], /"role":"alerter","port":\d+/, { RINGWATCH_INSTANCE_ID: id }, 90_000);
    const port = Number(/"role":"alerter","port":(\d+)/.exec(output())?.[1]);
    const replica = { child, url: `http://127.0.0.1:${port}`, output };
    replicas.push(replica);
    return replica;
  }

  async function publish(release: typeof FIRST): Promise<void> {
    const producer = bus.producer();
    await producer.start();
    await producer.publish(`${prefix}decisions`, decisionRecords([releaseDecision({ ...release, verdict: 'fail' }, Date.now() - 2000)]));
    await producer.stop();
  }

  before(async () => {
    await pager.start();
    await hooks.start();
    configFile = join(mkdtempSync(join(tmpdir(), 'ringwatch-ha-')), 'alerter.yaml');
    writeFileSync(configFile, JSON.stringify({
      bus: { kind: 'kafka', topic_prefix: prefix, partitions: 2, kafka: { brokers: testBrokers(), session_timeout_ms: 6000, heartbeat_interval_ms: 1000 } },
      alerting: alertingSettings(pager, hooks, { group_id: `${prefix}alerter`, leader_session_timeout_ms: SESSION_MS, leader_heartbeat_interval_ms: 500 }),
    }));
    await bus.start();
  });

  after(async () => {
    for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await bus.stop();
    await pager.stop();
    await hooks.stop();
  });

  it('the standby keeps answering, takes over, and pages a new failure exactly once', async (t) => {
    const a = await startReplica('a');
    await waitFor('replica a active', () => isActive(a), 60_000, 100);
    const b = await startReplica('b');
    await publish(FIRST);
    await waitFor('the first page', () => received(pager, hooks).triggers.length === 1, 30_000);
    await waitFor('the standby following the active replica', async () =>
      (await getJson(`${b.url}${verdictPath(FIRST.component, FIRST.version, 'canary')}`)).body.data?.verdict === 'fail', 30_000);
    assert.equal(await isActive(b), false, 'b is a standby while a is active');

    // Poll the standby's verdict API all through the kill and the takeover.
    const answers: { status: number; verdict?: string; reason?: string }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const r = await getJson(`${b.url}${verdictPath(FIRST.component, FIRST.version, 'canary')}`).catch((err: Error) => ({ status: 0, body: { error: err.message } }));
        answers.push({ status: r.status, verdict: r.body.data?.verdict, reason: r.body.data?.reason });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));
    await publish(SECOND);
    await waitFor('replica b active', () => isActive(b), SESSION_MS + 30_000, 100);
    const tookOverMs = Date.now() - killedAt;
    const second = () => received(pager, hooks).triggers.filter((p) => p.payload.component === SECOND.component);
    await waitFor('the page for the failure after the kill', () => second().length >= 1, 30_000);
    const pagedMs = Date.now() - killedAt;
    // Anything that would be sent twice is sent by the time the outbox is empty and one more retry delay passed.
    await waitFor('the outbox empty', async () => /^ringwatch_alerting_outbox_pending\{integration="pagerduty"\} 0$/m
      .test(await fetch(`${b.url}/metrics`).then((res) => res.text())), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    polling = false;
    await poller;

    t.diagnostic(`takeover ${tookOverMs} ms after the SIGKILL (session ${SESSION_MS} ms); new page ${pagedMs} ms after it; ${answers.length} answers from the standby meanwhile`);
    assert.equal(second().length, 1, 'the page for the new failure reached PagerDuty exactly once');
    // The kill may fall between the first page's 202 and recording it as delivered: then the new active
    // replica sends it again with the same dedup_key, which PagerDuty folds into the one open alert.
    const firstKeys = new Set(received(pager, hooks).triggers.filter((p) => p.payload.component === FIRST.component).map((p) => p.dedup_key));
    assert.equal(firstKeys.size, 1, 'the first failure is one PagerDuty alert (one dedup_key)');
    assert.ok(answers.length > 10 && answers.every((x) => x.status === 200), `the standby answered 200 throughout: ${JSON.stringify(answers.filter((x) => x.status !== 200).slice(0, 3))}`);
    assert.ok(answers.every((x) => x.verdict === 'fail' || (x.verdict === 'inconclusive' && ['not_caught_up', 'bus_unavailable', 'restoring'].includes(x.reason ?? ''))),
      `only the verdict or a degraded inconclusive: ${[...new Set(answers.map((x) => `${x.verdict}/${x.reason}`))]}`);
    assert.ok(tookOverMs < SESSION_MS + 20_000, `took over within the bound (${tookOverMs} ms)`);
    const after = await getJson(`${b.url}${verdictPath(SECOND.component, SECOND.version, 'canary')}`);
    assert.deepEqual([after.status, after.body.data.verdict], [200, 'fail']);
    const metrics = await fetch(`${b.url}/metrics`).then((res) => res.text());
    assert.match(metrics, /^ringwatch_alerting_takeovers_total 1$/m);
  });
});
