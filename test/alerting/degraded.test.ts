// Degraded answers: which reason wins, and the answer's shape (a 200 inconclusive, never a verdict).
// Also the election on the memory bus (what embedded mode and in-process tests run on) and the sticky pick.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { degradedVerdict } from '../../alerting/api/degraded.ts';
import { health, LagWatch } from '../../alerting/shell/health.ts';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { pickLeader } from '../../common/bus/kafka-leadership.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';

function watch(lag: number | undefined, failing = false, maxLag = 10): LagWatch {
  const w = new LagWatch({ bus: new MemoryBus(), groupId: 'g', topic: 't', intervalMs: 1000, maxLag, logger: silentLogger });
  w.lag = lag;
  w.failing = failing;
  return w;
}

describe('degraded answers', () => {
  it('restoring first, then bus_unavailable, then not_caught_up on any watched group', () => {
    assert.deepEqual(health(false, false, [watch(999)]), { ok: false, reason: 'restoring' });
    assert.deepEqual(health(true, false, [watch(0)]), { ok: false, reason: 'bus_unavailable' });
    assert.deepEqual(health(true, true, [watch(0), watch(undefined, true)]), { ok: false, reason: 'bus_unavailable' });
    assert.deepEqual(health(true, true, [watch(0), watch(11)]), { ok: false, reason: 'not_caught_up' });
    assert.deepEqual(health(true, true, [watch(undefined)]), { ok: false, reason: 'not_caught_up' }, 'lag not measured yet');
    assert.deepEqual(health(true, true, [watch(10), watch(0)]), { ok: true });
  });

  it('answers inconclusive with the reason, counted, and nothing when healthy', () => {
    const counted: string[] = [];
    const release = { component: 'c', version: '1' };
    assert.equal(degradedVerdict({ ok: true }, release, 'canary', (r) => counted.push(r)), undefined);
    const v = degradedVerdict({ ok: false, reason: 'not_caught_up' }, release, 'canary', (r) => counted.push(r));
    assert.deepEqual([v?.verdict, v?.reason, v?.degraded, v?.ring, v?.evidence], ['inconclusive', 'not_caught_up', true, 'canary', []]);
    assert.deepEqual(counted, ['not_caught_up']);
  });
});

describe('leadership', () => {
  it('memory bus: the first candidate leads, the next takes over when it stops', async () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    const candidate = (name: string) => bus.leadership({ groupId: 'g', topic: 't', sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000, onChange: (l) => seen.push(`${name}:${l}`) });
    const a = candidate('a');
    const b = candidate('b');
    await a.start();
    await b.start();
    assert.deepEqual([a.leader, b.leader], [true, false]);
    await a.stop();
    assert.deepEqual([a.leader, b.leader], [false, true]);
    assert.deepEqual(seen, ['a:true', 'a:false', 'b:true']);
  });

  it('kafka assignor: the member that leads keeps the lead; without one, the first member id', () => {
    assert.equal(pickLeader([{ memberId: 'a', leading: false }, { memberId: 'z', leading: true }]), 'z');
    assert.equal(pickLeader([{ memberId: 'm', leading: false }, { memberId: 'b', leading: false }]), 'b');
    assert.equal(pickLeader([]), undefined);
  });
});
