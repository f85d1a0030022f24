// The backtest's reorder buffer: receipt order restored within the window, late events counted and still
// replayed, an export's leading deployments and crashes never turning the heartbeats behind them late.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope } from '../../../common/contract/envelope.ts';
import { ReorderBuffer } from '../../../tools/replay/backtest-reorder.ts';

const T0 = Date.UTC(2026, 0, 5);
const hb = (sec: number, id = `hb-${sec}`): AnyEnvelope => ({
  v: 1, kind: 'heartbeat', receivedAt: new Date(T0 + sec * 1000).toISOString(), collectorId: 'c1',
  event: { eventId: id, deviceId: 'd1', sentAt: new Date(T0 + sec * 1000).toISOString(), ring: 'canary', bootId: 'b', uptimeSec: 9, components: { agent: '1' } },
});
const crash = (sec: number): AnyEnvelope => ({
  v: 1, kind: 'crash', receivedAt: new Date(T0 + sec * 1000).toISOString(), collectorId: 'c1',
  event: { eventId: `c-${sec}`, deviceId: 'd2', occurredAt: new Date(T0 + sec * 1000).toISOString(), ring: 'canary', bootId: 'b', components: { agent: '1' }, kind: 'agent' },
});
const deploy = (sec: number): AnyEnvelope => ({
  v: 1, kind: 'deployment', receivedAt: new Date(T0 + sec * 1000).toISOString(), collectorId: 'tool',
  event: { eventId: `d-${sec}`, component: 'agent', version: '2', ring: 'canary', action: 'started', at: new Date(T0 + sec * 1000).toISOString() },
});

function replay(envs: AnyEnvelope[], windowSecs: number, maxHeld = 1_000_000) {
  const buffer = new ReorderBuffer(windowSecs * 1000, maxHeld);
  const out: AnyEnvelope[] = [];
  for (const e of envs) buffer.push(e, Date.parse(e.receivedAt), (x) => out.push(x));
  buffer.drain((x) => out.push(x));
  return { out, counts: buffer.counts, times: out.map((e) => Date.parse(e.receivedAt)) };
}

const sorted = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);

describe('backtest reorder buffer', () => {
  it('puts events shuffled within the window back in receipt order, keeping ties in file order', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const envs = Array.from({ length: 2000 }, (_, i) => hb(i / 10 + rand() * 25, `e${i}`));
    envs.splice(1000, 0, hb(100, 'tie-a'), hb(100, 'tie-b'));
    const { out, counts, times } = replay(envs, 30);
    assert.equal(out.length, envs.length);
    assert.ok(sorted(times), 'receipt order restored');
    assert.equal(counts.late, 0);
    const ids = out.map((e) => e.event.eventId);
    assert.ok(ids.indexOf('tie-a') < ids.indexOf('tie-b'));
  });

  it('counts an event older than the window behind the newest as late, and still replays it', () => {
    const { out, counts } = replay([hb(0), hb(100), hb(200), hb(10, 'late-one'), hb(201)], 30);
    assert.equal(counts.late, 1);
    assert.equal(counts.lateByKind.heartbeat, 1);
    assert.ok(out.some((e) => e.event.eventId === 'late-one'));
  });

  it('holds an export\'s leading deployments and crashes until the heartbeats reach them, so none of it is late', () => {
    const deployments = [deploy(3600), deploy(86400), deploy(6 * 86400)];
    const crashes = [crash(7200), crash(5 * 86400)];
    const telemetry = Array.from({ length: 7 * 24 }, (_, h) => hb(h * 3600 + 1));
    const { out, counts, times } = replay([...deployments, ...crashes, ...telemetry], 60);
    assert.equal(counts.late, 0);
    assert.equal(out.length, 3 + 2 + 7 * 24);
    assert.ok(sorted(times), 'deployments and crashes land between the heartbeats of their time');
    // 24 hourly heartbeats, the first deployment and the first crash come before the deployment of day 2.
    assert.equal(out.indexOf(deployments[1]), 24 + 2);
  });

  it('never holds more than its cap, and counts what the cap released early', () => {
    const envs = Array.from({ length: 100 }, (_, i) => hb(i));
    const { out, counts } = replay(envs, 3600, 10);
    assert.equal(out.length, 100);
    assert.ok(counts.peakHeld <= 11);
    assert.equal(counts.forced, 90);
  });
});
