// What crosses to a backtest's replay thread must come out as it went in: every envelope, in order, with
// every value, whether its heartbeat crossed as changing values, as a new shape, or whole as JSON.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope, Envelope } from '../../../common/contract/envelope.ts';
import { timestampMs } from '../../../common/contract/formats.ts';
import { hash32 } from '../../../processors/core/device-table.ts';
import { ShapeDecoder, ShapeEncoder } from '../../../tools/replay/heartbeat-shapes.ts';
import { buildScenario } from '../../processors/support/scenario.ts';

const H = 60_000;
const t0 = Date.parse('2024-07-01T08:00:00Z');

/** Events through an encoder and a decoder in batches of `batch`; each decoded one as JSON, when it comes out. */
function cross(envs: AnyEnvelope[], o: { batch: number; maxDevices: number }) {
  const encoder = new ShapeEncoder(o.maxDevices);
  const decoder = new ShapeDecoder();
  const out: { env: unknown; t: number }[] = [];
  const shapes: number[] = [];
  const drain = () => {
    const b = encoder.take();
    if (!b) return;
    shapes.push(b.json.length);
    // Read each envelope while it is handed out: heartbeats are their device's object, reused.
    decoder.decode(structuredClone(b), (env, t) => out.push({ env: JSON.parse(JSON.stringify(env)), t }));
  };
  for (const env of envs) {
    encoder.add(env, timestampMs(env.receivedAt));
    if (encoder.size >= o.batch) drain();
  }
  drain();
  return { out, json: shapes.reduce((a, b) => a + b, 0) };
}

const fleet = () => buildScenario({
  startMs: t0, endMs: t0 + 90 * H, heartbeatMs: H, regions: ['eu', 'us'], components: { agent: '1.0', os: '10.0' },
  rings: [{ name: 'canary', devices: 10 }, { name: 'broad', devices: 30 }],
  deployments: [{ component: 'agent', version: '2.0', ring: 'canary', action: 'started', at: t0 + 30 * H }],
  takes: [{ ring: 'canary', component: 'agent', version: '2.0', share: 1, at: t0 + 31 * H }],
  crashes: [{ index: 3, at: t0 + 40 * H }, { index: 33, at: t0 + 50 * H }],
});

describe('backtest: heartbeats handed to the replay thread by their shape', () => {
  it('gives back every envelope in order with every value, shapes crossing once per device and change', () => {
    const envs = fleet();
    // Some heartbeats without eventAt, some with a label or an interval from some time on: new shapes.
    envs.forEach((e, i) => {
      if (e.kind !== 'heartbeat') return;
      if (i % 7 === 0) delete (e as { eventAt?: string }).eventAt;
      if (e.event.deviceId.endsWith('5') && timestampMs(e.receivedAt) > t0 + 60 * H) e.event.labels = { site: 'lab' };
      if (e.event.deviceId.endsWith('7') && timestampMs(e.receivedAt) > t0 + 70 * H) e.event.intervalSecs = 120;
    });
    const { out, json } = cross(envs, { batch: 100, maxDevices: 1_000 });
    assert.equal(out.length, envs.length);
    out.forEach(({ env, t }, i) => {
      assert.deepEqual(env, JSON.parse(JSON.stringify(envs[i])), `event ${i}`);
      assert.equal(t, timestampMs(envs[i].receivedAt));
    });
    const heartbeats = envs.filter((e) => e.kind === 'heartbeat').length;
    assert.ok(envs.some((e) => e.kind === 'crash') && envs.some((e) => e.kind === 'deployment'));
    // Most heartbeats crossed as their changing values only.
    assert.ok(json < heartbeats / 3, `${json} JSON texts for ${heartbeats} heartbeats`);
  });

  it('sends the heartbeats of devices past the bound whole, and keeps them right', () => {
    const envs = fleet();
    const { out, json } = cross(envs, { batch: 64, maxDevices: 5 });
    out.forEach(({ env }, i) => assert.deepEqual(env, JSON.parse(JSON.stringify(envs[i])), `event ${i}`));
    assert.ok(json > envs.length * 0.8, 'all but 5 devices crossed whole');
  });

  it('keeps two devices whose ids share a hash apart', () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const id = `dev-${i}`;
      const h = hash32(id) | 0;
      const other = seen.get(h);
      if (other) pair = [other, id];
      else seen.set(h, id);
    }
    const hb = (deviceId: string, n: number, ring: string): Envelope<'heartbeat'> => ({
      v: 1, kind: 'heartbeat', receivedAt: new Date(t0 + n * H).toISOString(), collectorId: 'c1',
      event: { eventId: `${deviceId}-${n}`, deviceId, sentAt: new Date(t0 + n * H).toISOString(), ring, bootId: `${deviceId}-b`, uptimeSec: n * 60, components: { agent: '1.0' } },
    });
    const envs = [0, 1, 2, 3].flatMap((n) => [hb(pair![0], n, 'canary'), hb(pair![1], n, 'broad')]);
    const { out } = cross(envs, { batch: 3, maxDevices: 100 });
    out.forEach(({ env }, i) => assert.deepEqual(env, JSON.parse(JSON.stringify(envs[i])), `event ${i}`));
  });

  it('hands heartbeats out with their maps frozen', () => {
    const encoder = new ShapeEncoder(10);
    for (const env of fleet().slice(0, 50)) encoder.add(env, timestampMs(env.receivedAt));
    let frozen = 0;
    new ShapeDecoder().decode(encoder.take()!, (env) => {
      if (env.kind === 'heartbeat' && Object.isFrozen(env.event.components)) frozen++;
    });
    assert.ok(frozen > 0);
  });
});
