// The alerter role on the in-memory bus, as release tooling and on-call see it: verdict API, Flagger
// hooks, pages, halt signals, dead letters, inconclusive (not an error) while ringwatch cannot judge, and a restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { sharedSettings } from '../../app/run-roles.ts';
import { buildConfig } from '../../app/config.ts';
import { systemClock } from '../../common/runtime/clock.ts';
import { topicNames } from '../../common/bus/topics.ts';
import { alerterFactory } from '../../alerting/role.ts';
import { capturingLogger, FakeReceiver, gapDecision, releaseDecision, waitFor } from './support.ts';
import { alertingSettings, decisionRecords, getJson, postJson, received, startAlerter, verdictPath, HOOK_SECRET, PIPELINE_KEY, RELEASE_KEY } from './harness.ts';

const topics = topicNames('ringwatch.');
const BAD = { component: 'channel-291', version: 'C-00000291-bad' };
const GOOD = { component: 'agent', version: '7.16.1' };
const now = Date.now() - 5000;

describe('alerter role (memory bus)', () => {
  const pager = new FakeReceiver();
  const hooks = new FakeReceiver();
  const bus = new MemoryBus();
  const { logger, lines } = capturingLogger();
  let alerter: Awaited<ReturnType<typeof startAlerter>>;
  const config = () => ({ bus: { kind: 'memory' }, collector: { auth_enabled: false }, alerting: alertingSettings(pager, hooks) });
  const publish = (ds: Parameters<typeof decisionRecords>[0]) => alerter.context.producer.publish(topics.decisions, decisionRecords(ds));

  before(async () => {
    await pager.start();
    await hooks.start();
    alerter = await startAlerter({ config: config(), logger, bus });
    await publish([
      releaseDecision({ ...BAD, verdict: 'fail' }, now), releaseDecision({ ...BAD, signal: 'crashed' }, now),
      releaseDecision({ ...GOOD }, now), releaseDecision({ ...GOOD, signal: 'crashed' }, now),
    ]);
    await waitFor('the page', () => received(pager, hooks).triggers.length === 1 && received(pager, hooks).hooks.length === 2);
  });
  after(async () => {
    await alerter.stop();
    await bus.stop();
    await pager.stop();
    await hooks.stop();
  });

  it('answers fail for the bad release and pass for the healthy one, in the Argo web-provider shape', async () => {
    const bad = await getJson(`${alerter.url}${verdictPath(BAD.component, BAD.version, 'canary')}`);
    assert.equal(bad.status, 200);
    assert.equal(bad.body.data.verdict, 'fail');
    assert.deepEqual(bad.body.data.release, BAD);
    assert.equal(bad.body.data.evidence.find((c: { signal: string }) => c.signal === 'silent').evidence.updated.affected, 48);
    const good = await getJson(`${alerter.url}${verdictPath(GOOD.component, GOOD.version, 'canary')}`);
    assert.deepEqual([good.status, good.body.data.verdict], [200, 'pass']);
    const acrossRings = await getJson(`${alerter.url}${verdictPath(BAD.component, BAD.version)}`);
    assert.equal(acrossRings.body.data.verdict, 'fail');
  });

  it('answers 200 inconclusive (no_data) for an unknown release, and lists verdicts', async () => {
    const unknown = await getJson(`${alerter.url}${verdictPath('nothing', '0.0')}?ring=canary`);
    assert.deepEqual([unknown.status, unknown.body.data.verdict, unknown.body.data.reason], [200, 'inconclusive', 'no_data']);
    const list = await getJson(`${alerter.url}/v1/verdicts?verdict=fail`);
    assert.deepEqual(list.body.data.map((v: { release: unknown }) => v.release), [BAD]);
    assert.equal((await getJson(`${alerter.url}/v1/verdicts/only-one-part`)).status, 400);
  });

  it('pages the release owners once, and signals one halt on the topic, the webhook and PagerDuty', async () => {
    const r = received(pager, hooks);
    assert.equal(r.triggers.length, 1);
    assert.equal(r.triggers[0].routing_key, RELEASE_KEY);
    assert.equal(r.triggers[0].payload.severity, 'critical');
    assert.equal(r.changes.length, 1);
    const halts = bus.records(topics.signals).map((rec) => JSON.parse(rec.value.toString()));
    assert.equal(halts.length, 1);
    assert.deepEqual([halts[0].type, halts[0].release, halts[0].ring, halts[0].reason], ['halt', BAD, 'canary', 'catastrophe']);
    assert.deepEqual(r.hooks.map((h) => h.type).sort(), ['incident.opened', 'signal.halt']);
  });

  it('Flagger rollback hook: 200 for the failing release, 403 for the healthy one; promotion gate the other way', async () => {
    const payload = (release: typeof BAD) => ({ name: 'podinfo', namespace: 'test', phase: 'Progressing', checksum: 'abc', metadata: { ...release, ring: 'canary' } });
    assert.equal((await postJson(`${alerter.url}/v1/flagger/rollback`, payload(BAD))).status, 200);
    assert.equal((await postJson(`${alerter.url}/v1/flagger/rollback`, payload(GOOD))).status, 403);
    assert.equal((await postJson(`${alerter.url}/v1/flagger/confirm-promotion`, payload(GOOD))).status, 200);
    assert.equal((await postJson(`${alerter.url}/v1/flagger/confirm-promotion`, payload(BAD))).status, 403);
    const unknown = { ...payload(GOOD), metadata: { component: 'x', version: 'y', ring: 'canary' } };
    assert.equal((await postJson(`${alerter.url}/v1/flagger/confirm-promotion`, unknown)).status, 403, 'no data: no promotion');
    assert.equal((await postJson(`${alerter.url}/v1/flagger/rollback`, { name: 'x' })).status, 400);
    assert.equal((await postJson(`${alerter.url}/v1/flagger/rollback`, 'x'.repeat(70_000))).status, 413);
  });

  it('pages the pipeline on-call (never the release owners) for a telemetry gap, and release verdicts turn inconclusive', async () => {
    await publish([gapDecision({ ring: 'canary' }, now)]);
    await waitFor('pipeline page', () => received(pager, hooks).triggers.length === 2);
    const gapPage = received(pager, hooks).triggers[1];
    assert.equal(gapPage.routing_key, PIPELINE_KEY);
    const good = await getJson(`${alerter.url}${verdictPath(GOOD.component, GOOD.version, 'canary')}`);
    assert.deepEqual([good.body.data.verdict, good.body.data.reason], ['inconclusive', 'pipeline_gap']);
    const bad = await getJson(`${alerter.url}${verdictPath(BAD.component, BAD.version, 'canary')}`);
    assert.equal(bad.body.data.verdict, 'fail', 'a gap does not hide a failure seen before it');
    assert.equal(bus.records(topics.signals).length, 1, 'no halt for a gap');
  });

  it('dead-letters an invalid decision and carries on', async () => {
    await alerter.context.producer.publish(topics.decisions, [{ key: 'x', value: Buffer.from('{"v":1,"kind":"nope"}') }]);
    await waitFor('dead letter', () => bus.records(topics.deadLetter).length === 1);
    assert.equal(bus.records(topics.deadLetter)[0].headers['ringwatch-dlq-reason'], 'invalid_decision');
  });

  it('answers 200 inconclusive (bus_unavailable) while cut off from the bus, never an error, then recovers', async () => {
    bus.failPublishWith = new Error('broker gone');
    try {
      const down = await getJson(`${alerter.url}${verdictPath(BAD.component, BAD.version, 'canary')}`);
      assert.deepEqual([down.status, down.body.data.verdict, down.body.data.reason, down.body.data.degraded], [200, 'inconclusive', 'bus_unavailable', true]);
      const hook = await postJson(`${alerter.url}/v1/flagger/rollback`, { name: 'p', namespace: 'n', phase: 'Progressing', metadata: { ...BAD } });
      assert.deepEqual([hook.status, hook.body.decision, hook.body.data.reason], [403, 'carry_on', 'bus_unavailable'], 'no rollback on no knowledge');
      const gate = await postJson(`${alerter.url}/v1/flagger/confirm-promotion`, { name: 'p', namespace: 'n', phase: 'Progressing', metadata: { ...GOOD } });
      assert.deepEqual([gate.status, gate.body.decision], [403, 'hold'], 'no promotion on no knowledge');
      assert.equal((await getJson(`${alerter.url}/readyz`)).status, 200, 'still ready: its answers stay honest');
      const metrics = await (await fetch(`${alerter.url}/metrics`)).text();
      assert.match(metrics, /ringwatch_alerting_degraded_answers_total\{reason="bus_unavailable"\} 3/);
    } finally {
      bus.failPublishWith = undefined;
    }
    const back = await getJson(`${alerter.url}${verdictPath(BAD.component, BAD.version, 'canary')}`);
    assert.deepEqual([back.status, back.body.data.verdict], [200, 'fail']);
  });

  it('after a restart remembers the open incident and does not page again for redelivered decisions', async () => {
    await alerter.stop();
    alerter = await startAlerter({ config: config(), logger, bus });
    await publish([releaseDecision({ ...BAD, verdict: 'fail' }, now)]);
    await waitFor('redelivery consumed', async () => (await getJson(`${alerter.url}${verdictPath(BAD.component, BAD.version, 'canary')}`)).body.data?.verdict === 'fail');
    await new Promise((r) => setTimeout(r, 500));
    const r = received(pager, hooks);
    assert.equal(r.triggers.filter((t) => t.routing_key === RELEASE_KEY).length, 1);
    assert.equal(bus.records(topics.signals).length, 1);
  });

  it('keeps secrets out of every log line', () => {
    for (const secret of [RELEASE_KEY, PIPELINE_KEY, HOOK_SECRET]) assert.ok(!lines.some((l) => l.includes(secret)), secret);
  });
});

describe('alerter role lifecycle', () => {
  const ctx = (alerting: Record<string, unknown>) => {
    const bus = new MemoryBus();
    const config = buildConfig({ bus: { kind: 'memory' }, collector: { auth_enabled: false }, alerting }, {});
    return {
      settings: config.alerting, shared: sharedSettings(config),
      bus, producer: bus.producer(), topics, logger: capturingLogger().logger, clock: systemClock, registry: new Registry(),
    };
  };

  it('stop() is safe before start() and idempotent', async () => {
    const role = alerterFactory.create(ctx({}));
    await role.stop();
    await role.stop();
  });

  it('refuses an unsigned webhook at start-up', () => {
    assert.throws(() => alerterFactory.create(ctx({ webhooks: [{ name: 'w', url: 'http://x' }] })), /hmac_secret: required/);
  });
});
