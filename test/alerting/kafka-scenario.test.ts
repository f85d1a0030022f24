// The alerter's half of the CrowdStrike-like scenario over a real Kafka broker: a bad content release and
// a healthy agent release roll in the canary ring at the same time; processors' decisions for several
// windows (pass verdicts too, redeliveries included) arrive on the decisions topic. Exactly one page,
// one halt on the topic and on the webhook; the verdict API says fail for the bad release, pass for the
// healthy one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Decision } from '../../common/contract/decision.ts';
import { testBrokers, uniquePrefix } from '../support/kafka.ts';
import { capturingLogger, FakeReceiver, releaseDecision, sleepMs, waitFor } from './support.ts';
import { alertingSettings, decisionRecords, getJson, received, startAlerter, verdictPath } from './harness.ts';
import { testKafkaBus, topicReader } from './kafka-support.ts';

const BAD = { component: 'channel-291', version: 'C-291-bad' };
const GOOD = { component: 'agent', version: '7.16.1' };

/** Five 1-second windows: the bad release fails from window 2 on (silent, then crashed too), the good one passes. */
function rollout(t0: number): Decision[] {
  const out: Decision[] = [];
  for (let w = 0; w < 5; w++) {
    for (const layer of ['catastrophe', 'gate'] as const) {
      for (const signal of ['silent', 'crashed'] as const) {
        const fails = layer === 'catastrophe' && w >= 2 && (signal === 'silent' || w >= 3);
        out.push(releaseDecision({ ...BAD, layer, signal, window: w, verdict: fails ? 'fail' : w < 1 ? 'inconclusive' : 'pass' }, t0));
        out.push(releaseDecision({ ...GOOD, layer, signal, window: w, verdict: w < 1 ? 'inconclusive' : 'pass' }, t0));
      }
    }
  }
  return out;
}

describe('CrowdStrike-like scenario, alerting side (Kafka)', () => {
  const prefix = uniquePrefix('alert-scenario');
  const pager = new FakeReceiver();
  const hooks = new FakeReceiver();
  const bus = testKafkaBus(testBrokers(), 'alert-scenario-test');
  let alerter: Awaited<ReturnType<typeof startAlerter>>;

  before(async () => {
    await pager.start();
    await hooks.start();
    alerter = await startAlerter({
      logger: capturingLogger('warn').logger,
      config: {
        bus: { kind: 'kafka', topic_prefix: prefix, partitions: 3, kafka: { brokers: testBrokers(), session_timeout_ms: 6000, heartbeat_interval_ms: 1000 } },
        alerting: alertingSettings(pager, hooks, { group_id: `${prefix}alerter` }),
      },
    });
    await bus.start();
  });

  after(async () => {
    await alerter?.stop();
    await bus.stop();
    await pager.stop();
    await hooks.stop();
  });

  it('pages once, halts once (topic and webhook), and answers fail for the bad release and pass for the healthy one', async () => {
    const decisions = rollout(Date.now() - 10_000);
    const producer = bus.producer();
    await producer.start();
    await producer.publish(`${prefix}decisions`, decisionRecords(decisions));
    await producer.publish(`${prefix}decisions`, decisionRecords(decisions.slice(-8))); // a redelivery
    await producer.stop();

    const reader = await topicReader(bus, `${prefix}signals`);
    await waitFor('page, halt and verdicts', async () => {
      const bad = await getJson(`${alerter.url}${verdictPath(BAD.component, BAD.version, 'canary')}`);
      return received(pager, hooks).triggers.length >= 1 && reader.records.length >= 1 && bad.body.data?.verdict === 'fail';
    }, 45_000);
    await sleepMs(1500);
    await reader.stop();

    const r = received(pager, hooks);
    assert.equal(r.triggers.length, 1, 'exactly one page');
    assert.equal(r.triggers[0].payload.severity, 'critical');
    assert.equal(reader.records.length, 1, 'one halt on the signals topic');
    const halt = JSON.parse(reader.records[0].value.toString());
    assert.deepEqual([halt.type, halt.release, halt.ring, halt.reason], ['halt', BAD, 'canary', 'catastrophe']);
    assert.ok(halt.evidence.updated, 'the halt carries its evidence');
    assert.equal(r.hooks.filter((h) => h.type === 'signal.halt').length, 1, 'one halt on the webhook');
    assert.equal(r.hooks.filter((h) => h.type === 'incident.opened').length, 1);

    const bad = await getJson(`${alerter.url}${verdictPath(BAD.component, BAD.version, 'canary')}`);
    const good = await getJson(`${alerter.url}${verdictPath(GOOD.component, GOOD.version, 'canary')}`);
    assert.deepEqual([bad.status, bad.body.data.verdict], [200, 'fail']);
    assert.deepEqual([good.status, good.body.data.verdict], [200, 'pass']);
  });
});
