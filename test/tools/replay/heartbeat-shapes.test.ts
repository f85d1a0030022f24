// What crosses to a backtest's replay thread must come out as it went in: every envelope, in receipt
// order, with every value, whether its heartbeat crossed as changing values, with a new shape, or whole as
// JSON; shapes being found in file order and heartbeats crossing in receipt order. And the far side must
// forget replaced shapes, or its memory would follow the file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope, Envelope } from '../../../common/contract/envelope.ts';
import { timestampMs } from '../../../common/contract/formats.ts';
import { ShapeDecoder, ShapeEncoder } from '../../../tools/replay/heartbeat-shapes.ts';
import { buildScenario } from '../../processors/support/scenario.ts';

const H = 60_000;
const t0 = Date.parse('2024-07-01T08:00:00Z');

/**
 * Events read in file order (shapes found as the reader finds them), then handed over in `order` (receipt
 * order) in batches of `batch`; each decoded one as JSON, read while it is handed out.
 */
function cross(envs: AnyEnvelope[], o: { batch: number; maxDevices: number; order?: number[] }) {
  const encoder = new ShapeEncoder(o.maxDevices);
  const decoder = new ShapeDecoder();
  const shapes = envs.map((env) => encoder.shapes.match(JSON.parse(JSON.stringify(env))) ?? (env.kind === 'heartbeat' ? encoder.shapes.remember(env) : undefined));
  const out: { env: unknown; t: number }[] = [];
  let json = 0;
  const drain = () => {
    const b = encoder.take();
    if (!b) return;
    json += b.json.length;
    decoder.decode(structuredClone(b), (env, t) => out.push({ env: JSON.parse(JSON.stringify(env)), t }));
  };
  for (const i of o.order ?? envs.map((_, k) => k)) {
    encoder.add(envs[i], timestampMs(envs[i].receivedAt), shapes[i]);
    if (encoder.size >= o.batch) drain();
  }
  drain();
  return { out, json, held: decoder.size };
}

const fleet = () => buildScenario({
  startMs: t0, endMs: t0 + 90 * H, heartbeatMs: H, regions: ['eu', 'us'], components: { agent: '1.0', os: '10.0' },
  rings: [{ name: 'canary', devices: 10 }, { name: 'broad', devices: 30 }],
  deployments: [{ component: 'agent', version: '2.0', ring: 'canary', action: 'started', at: t0 + 30 * H }],
  takes: [{ ring: 'canary', component: 'agent', version: '2.0', share: 1, at: t0 + 31 * H }],
  crashes: [{ index: 3, at: t0 + 40 * H }, { index: 33, at: t0 + 50 * H }],
});

/** The fleet with more shapes (no eventAt, labels and intervals that appear) and more changes (clocks, reboots). */
function varied(): AnyEnvelope[] {
  const envs = fleet();
  envs.forEach((e, i) => {
    if (e.kind !== 'heartbeat') return;
    if (i % 7 === 0) delete (e as { eventAt?: string }).eventAt;
    // A device clock apart from the clamped time, and reboots (a new boot id, the shape unchanged).
    if (i % 5 === 0) e.event.sentAt = new Date(timestampMs(e.event.sentAt) - 1_000).toISOString();
    if (i % 11 === 0) e.event.bootId = `${e.event.bootId}-r${i}`;
    if (e.event.deviceId.endsWith('5') && timestampMs(e.receivedAt) > t0 + 60 * H) e.event.labels = { site: 'lab' };
    if (e.event.deviceId.endsWith('7') && timestampMs(e.receivedAt) > t0 + 70 * H) e.event.intervalSecs = 120;
  });
  return envs;
}

const asJson = (e: AnyEnvelope) => JSON.parse(JSON.stringify(e)) as unknown;

describe('backtest: heartbeats handed to the replay thread by their shape', () => {
  it('gives back every envelope in order with every value, each shape crossing once', () => {
    const envs = varied();
    const { out, json, held } = cross(envs, { batch: 100, maxDevices: 1_000 });
    assert.equal(out.length, envs.length);
    out.forEach(({ env, t }, i) => {
      assert.deepEqual(env, asJson(envs[i]), `event ${i}`);
      assert.equal(t, timestampMs(envs[i].receivedAt));
    });
    const heartbeats = envs.filter((e) => e.kind === 'heartbeat').length;
    assert.ok(envs.some((e) => e.kind === 'crash') && envs.some((e) => e.kind === 'deployment'));
    assert.ok(json < heartbeats / 3, `${json} JSON texts for ${heartbeats} heartbeats`);
    // Replaced shapes are forgotten: one per device is left.
    assert.equal(held, 40);
  });

  it('keeps every value when heartbeats cross in another order than their shapes were found', () => {
    const envs = varied();
    // Swap neighbours all along: a device's heartbeat of a new shape may cross before its last of the old one.
    const order = envs.map((_, i) => (i % 2 === 0 ? Math.min(i + 1, envs.length - 1) : i - 1));
    order[envs.length - 1] = envs.length - 1 - (envs.length % 2 === 0 ? 1 : 0);
    const seen = new Set<number>();
    const fixed = order.filter((i) => !seen.has(i) && seen.add(i));
    for (let i = 0; i < envs.length; i++) if (!seen.has(i)) fixed.push(i);
    const { out, held } = cross(envs, { batch: 37, maxDevices: 1_000, order: fixed });
    out.forEach(({ env }, k) => assert.deepEqual(env, asJson(envs[fixed[k]]), `event ${fixed[k]}`));
    assert.equal(held, 40);
  });

  it('sends the heartbeats of devices past the bound whole, and keeps them right', () => {
    const envs = fleet();
    const { out, json } = cross(envs, { batch: 64, maxDevices: 5 });
    out.forEach(({ env }, i) => assert.deepEqual(env, asJson(envs[i]), `event ${i}`));
    assert.ok(json > envs.length * 0.8, 'all but 5 devices crossed whole');
  });

  it('sends a heartbeat whole when its shape is not of its own memo', () => {
    const envs = fleet().slice(0, 200);
    const other = new ShapeEncoder(1_000);
    const encoder = new ShapeEncoder(1_000);
    const out: unknown[] = [];
    for (const env of envs) encoder.add(env, timestampMs(env.receivedAt), env.kind === 'heartbeat' ? other.shapes.remember(env) : undefined);
    new ShapeDecoder().decode(encoder.take()!, (env) => out.push(asJson(env)));
    assert.deepEqual(out, envs.map(asJson));
  });

  it('hands heartbeats out with their maps frozen', () => {
    const envs = fleet().slice(0, 50);
    const encoder = new ShapeEncoder(10);
    for (const env of envs) encoder.add(env, timestampMs(env.receivedAt), env.kind === 'heartbeat' ? encoder.shapes.remember(env as Envelope<'heartbeat'>) : undefined);
    let frozen = 0;
    new ShapeDecoder().decode(encoder.take()!, (env) => {
      if (env.kind === 'heartbeat' && Object.isFrozen(env.event.components)) frozen++;
    });
    assert.ok(frozen > 0);
  });
});
