// A reader that validates heartbeats by their device's shape (common/contract/heartbeat-shape.ts) must
// accept exactly what the whole-envelope check accepts: a heartbeat whose shape it remembers, with any of
// its fields broken or a key added, removed or poisoned, is refused unless the full validator takes it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateEnvelopeFully, type Envelope } from '../../common/contract/envelope.ts';
import { hashKey, ShapeMemo, type Shape } from '../../common/contract/heartbeat-shape.ts';
import { broken, copyJson, envelope } from './arbitraries.ts';

const heartbeatEnvelope = envelope.filter((e) => (e as { kind: string }).kind === 'heartbeat') as fc.Arbitrary<Envelope<'heartbeat'>>;
const memo = () => new ShapeMemo<Shape>(1_000, { make: (id, env) => ({ id, env }) });

describe('heartbeat shapes: validation by a remembered shape', () => {
  it('accepts the next heartbeat of a device with only its changing fields changed', () => {
    fc.assert(fc.property(heartbeatEnvelope, heartbeatEnvelope, (a, b) => {
      const m = memo();
      assert.ok(validateEnvelopeFully(a).ok);
      const shape = m.remember(a);
      assert.ok(shape);
      // b's changing values in a's shape: a valid heartbeat of it.
      const next = copyJson(a);
      next.receivedAt = b.receivedAt;
      if (next.eventAt !== undefined) next.eventAt = b.eventAt ?? b.receivedAt;
      Object.assign(next.event, { eventId: b.event.eventId, sentAt: b.event.sentAt, bootId: b.event.bootId, uptimeSec: b.event.uptimeSec });
      assert.equal(m.match(next), shape);
    }), { numRuns: 2000 });
  });

  it('never accepts what the whole-envelope check refuses, and accepts a copy of the shape itself', () => {
    fc.assert(fc.property(heartbeatEnvelope.chain((a) => fc.tuple(fc.constant(a), broken(fc.constant(a)))), ([a, bad]) => {
      const m = memo();
      const shape = m.remember(a)!;
      assert.equal(m.match(copyJson(a)), shape);
      if (m.match(bad)) assert.ok(validateEnvelopeFully(bad).ok, `accepted an invalid heartbeat: ${JSON.stringify(bad)}`);
    }), { numRuns: 6000 });
  });

  it('refuses an empty array where the shape has an empty map (a counterexample fast-check found)', () => {
    const a: Envelope<'heartbeat'> = {
      v: 1, kind: 'heartbeat', receivedAt: '2024-07-01T08:00:00.000Z', collectorId: 'c1',
      event: { eventId: 'e1', deviceId: 'd1', sentAt: '2024-07-01T08:00:00.000Z', ring: 'canary', bootId: 'b', uptimeSec: 60, components: {}, applying: {}, labels: {} },
    };
    const m = memo();
    assert.ok(validateEnvelopeFully(a).ok);
    m.remember(a);
    for (const key of ['components', 'applying', 'labels'] as const) {
      const bad = copyJson(a) as unknown as { event: Record<string, unknown> };
      bad.event[key] = [];
      assert.equal(validateEnvelopeFully(bad).ok, false);
      assert.equal(m.match(bad), undefined, key);
    }
  });

  it('keeps devices apart: another device, or one whose id shares the key, is never matched', () => {
    fc.assert(fc.property(heartbeatEnvelope, heartbeatEnvelope, (a, b) => {
      const m = memo();
      m.remember(a);
      if (a.event.deviceId !== b.event.deviceId) assert.equal(m.match(b), undefined);
    }), { numRuns: 2000 });
    // Two ids with the same 32-bit key: the second is not remembered, and not matched to the first.
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    const key = hashKey;
    for (let i = 0; !pair; i++) {
      const id = `dev-${i}`;
      const other = seen.get(key(id));
      if (other) pair = [other, id];
      else seen.set(key(id), id);
    }
    const hb = (deviceId: string): Envelope<'heartbeat'> => ({
      v: 1, kind: 'heartbeat', receivedAt: '2024-07-01T08:00:00.000Z', collectorId: 'c1',
      event: { eventId: `${deviceId}-1`, deviceId, sentAt: '2024-07-01T08:00:00.000Z', ring: 'canary', bootId: 'b', uptimeSec: 60, components: { agent: '1.0' } },
    });
    const m = memo();
    assert.ok(m.remember(hb(pair[0])));
    assert.equal(m.remember(hb(pair[1])), undefined);
    assert.equal(m.match(hb(pair[1])), undefined);
  });
});
