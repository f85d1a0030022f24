// A PagerDuty alert is resolved where it was triggered: the release owners' key changes (a restart with a
// new release_owners) while the incident is open, and the resolve still reaches the key that triggered,
// while a new incident pages the new key. Pages link to the alerter's board page of the release.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { topicNames } from '../../common/bus/topics.ts';
import { capturingLogger, FakeReceiver, releaseDecision, waitFor } from './support.ts';
import { alertingSettings, decisionRecords, received, startAlerter } from './harness.ts';

const topics = topicNames('ringwatch.');
const KEY_A = 'owners-key-A-000000000000000000a1';
const KEY_B = 'owners-key-B-000000000000000000b2';
const BAD = { component: 'channel-291', version: 'C-291-bad' };
const LATER = { component: 'channel-291', version: 'C-292-bad' };
const now = Date.now() - 60_000;

describe('PagerDuty routing key stored with the incident', () => {
  const pager = new FakeReceiver();
  const hooks = new FakeReceiver();
  const bus = new MemoryBus();
  const { logger, lines } = capturingLogger();
  let alerter: Awaited<ReturnType<typeof startAlerter>>;
  const start = (ownersKey: string, publicUrl = 'https://ringwatch.example/') => startAlerter({
    logger, bus,
    config: {
      bus: { kind: 'memory' }, collector: { auth_enabled: false },
      alerting: alertingSettings(pager, hooks, {
        public_url: publicUrl, board_public_url: publicUrl && 'https://board.ringwatch.example', resolve_after_windows: 1,
        release_owners: [{ component: 'channel-291', pagerduty_release_routing_key: ownersKey }],
      }),
    },
  });
  const publish = (ds: Parameters<typeof decisionRecords>[0]) => alerter.context.producer.publish(topics.decisions, decisionRecords(ds));

  before(async () => {
    await pager.start();
    await hooks.start();
    alerter = await start(KEY_A);
  });
  after(async () => {
    await alerter.stop();
    await bus.stop();
    await pager.stop();
    await hooks.stop();
  });

  it('triggers with owner key A and links to the board page of the release', async () => {
    await publish([releaseDecision({ ...BAD, verdict: 'fail' }, now)]);
    const [trigger] = await waitFor('the trigger', () => { const t = received(pager, hooks).triggers; return t.length ? t : undefined; });
    assert.equal(trigger.routing_key, KEY_A);
    const board = 'https://board.ringwatch.example/board/releases/channel-291/C-291-bad/canary';
    assert.equal(trigger.client, 'ringwatch');
    assert.equal(trigger.client_url, board);
    assert.deepEqual(trigger.links.map((l: { href: string }) => l.href), ['https://ringwatch.example/v1/verdicts/channel-291/C-291-bad?ring=canary', board]);
    assert.equal(trigger.images, undefined, 'no images: ringwatch has none to show');
  });

  it('after release_owners changed to key B, resolves through key A; a new incident pages key B', async () => {
    await alerter.stop();
    alerter = await start(KEY_B);
    await publish([releaseDecision({ ...BAD, verdict: 'pass', window: 1 }, now), releaseDecision({ ...LATER, verdict: 'fail', window: 1 }, now)]);
    const r = await waitFor('the resolve and the new trigger', () => {
      const got = received(pager, hooks);
      return got.resolves.length && got.triggers.length === 2 ? got : undefined;
    });
    assert.deepEqual(r.resolves.map((e) => [e.routing_key, e.dedup_key]), [[KEY_A, r.triggers[0].dedup_key]], 'the resolve reaches the key that triggered');
    assert.equal(r.triggers[1].routing_key, KEY_B);
    assert.match(r.triggers[1].client_url, /\/board\/releases\/channel-291\/C-292-bad\/canary$/);
    // The stored key of the resolved alert is deleted (a tombstone), the open one's is kept.
    const stored = bus.records(topics.incidents).filter((rec) => rec.key.startsWith('pager|'));
    assert.equal(stored.at(-1)?.key, 'pager|catastrophe|channel-291@C-292-bad');
    assert.ok(stored.some((rec) => rec.key === 'pager|catastrophe|channel-291@C-291-bad' && rec.tombstone), 'resolved alert key deleted');
  });

  it('sends neither client_url nor links without public_url and board_public_url', async () => {
    await alerter.stop();
    alerter = await start(KEY_B, '');
    await publish([releaseDecision({ component: 'agent', version: '7.17.0-bad', verdict: 'fail', window: 2 }, now)]);
    const trigger = await waitFor('the trigger', () => received(pager, hooks).triggers.find((t) => t.payload.component === 'agent'));
    assert.equal(trigger.client_url, undefined);
    assert.deepEqual(trigger.links, []);
  });

  it('never logs a routing key', () => {
    for (const key of [KEY_A, KEY_B]) assert.ok(!lines.some((l) => l.includes(key)), key);
  });
});
