// A halt already on the signals topic (published just before a crash) is not published again after a restart.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from '../../app/config.ts';
import type { BusProducer, BusRecord } from '../../common/bus/types.ts';
import { createSenders } from '../../alerting/integrations/senders.ts';
import type { Delivery } from '../../alerting/core/routing.ts';
import type { HaltSignal } from '../../alerting/core/model.ts';

const signal = (id: string): HaltSignal => ({
  id, type: 'halt', release: { component: 'channel-291', version: 'c-291-2' }, ring: 'canary', reason: 'catastrophe',
  rollbackRecommended: true, incidentId: 'i1', decisionId: 'd1', summary: 'silent 10/10', evidence: {}, at: '2024-07-19T04:10:00Z',
});

const delivery = (s: HaltSignal): Delivery => ({
  id: `signals_topic:signals|${s.id}`, integration: 'signals_topic', target: 'signals', action: 'publish', orderKey: 'o',
  seq: 1, createdAtMs: 0, attempts: 3, nextAttemptAtMs: 0, notice: { id: s.id, type: 'signal.halt', signal: s },
});

describe('halt signals on the topic', () => {
  it('skips a halt whose id is already on the topic and publishes a new one', async () => {
    const published: BusRecord[] = [];
    const producer: BusProducer = { start: async () => {}, stop: async () => {}, publish: async (_t, records) => { published.push(...records); } };
    const settings = buildConfig({ bus: { kind: 'memory' }, collector: { auth_enabled: false } }, {}).alerting;
    const senders = createSenders({ settings, producer, signalsTopic: 'signals', now: () => 0, published: new Set(['halt|a|canary|1']) });
    assert.equal((await senders.signals_topic(delivery(signal('halt|a|canary|1')))).attempt.kind, 'ok');
    assert.equal(published.length, 0, 'already there: not published twice');
    assert.equal((await senders.signals_topic(delivery(signal('halt|b|canary|1')))).attempt.kind, 'ok');
    assert.equal(published.length, 1);
  });
});
