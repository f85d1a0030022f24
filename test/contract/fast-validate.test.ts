// The fast checker (common/contract/fast-validate.ts) against what it replaces: for valid and broken events,
// envelopes and the other schemas compileValidator serves, it must give TypeBox's verdict (plus "no forbidden
// key"), and validateEvent / validateEnvelope must answer exactly as the validator before it did.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { compileFastCheck, patternTable } from '../../common/contract/fast-validate.ts';
import { compileValidator, findPoisonKey, validateEvent } from '../../common/contract/validate.ts';
import { EnvelopeHeaderSchema, validateEnvelope, validateEnvelopeFully } from '../../common/contract/envelope.ts';
import { EventKinds, EventSchemas, type EventKind } from '../../common/contract/events.ts';
import { ID_KEY_PATTERN, ID_PATTERN, MAX_ID_CHARS, MAX_UPTIME_SECS, RING_PATTERN } from '../../common/contract/limits.ts';
import { badChar, broken, copyJson, envelope, eventOfAnyKind, id, poisonKey, strangeValue, timestamp } from './arbitraries.ts';

// ---- The reference: the full path alone (TypeBox Check and Errors, the forbidden-key walk), which is
// what decided every event before the fast path and still decides whatever the fast checker refuses. ----
const oldValidator = (schema: TSchema) => compileValidator(schema, { fast: false });
const HeaderSchema = EnvelopeHeaderSchema;
const oldEvent = Object.fromEntries(EventKinds.map((k) => [k, oldValidator(EventSchemas[k])])) as Record<EventKind, ReturnType<typeof oldValidator>>;
const oldValidateEnvelope = (value: unknown) => validateEnvelopeFully(value, { fast: false });

/** TypeBox's verdict and no forbidden key: what a fast accept must imply. */
const reference = (schema: TSchema) => {
  const check = TypeCompiler.Compile(schema);
  return (v: unknown) => check.Check(v) && findPoisonKey(v, 0) === undefined;
};
const both = (schema: TSchema) => {
  const fast = compileFastCheck(schema);
  assert.ok(fast, 'the schema should have a fast checker');
  return { fast, slow: reference(schema) };
};
const checkers = Object.fromEntries(EventKinds.map((k) => [k, both(EventSchemas[k])])) as Record<EventKind, ReturnType<typeof both>>;
const header = both(HeaderSchema);
const RUNS = { numRuns: 4000 };

describe('fast checker of contract v1', () => {
  it('accepts every valid event of every kind, and validateEvent answers as before', () => {
    fc.assert(fc.property(eventOfAnyKind, ({ kind, event }) => {
      assert.equal(checkers[kind].fast(event), true, JSON.stringify(event));
      assert.deepEqual(validateEvent(kind, event), oldEvent[kind](event));
    }), RUNS);
  });

  it('gives TypeBox\'s verdict on broken events, and validateEvent reports the same errors as before', () => {
    // Mostly checked as their own kind, sometimes as another one.
    const brokenEvent = eventOfAnyKind.chain(({ kind, event }) => fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constant(kind) }, { weight: 1, arbitrary: fc.constantFrom(...EventKinds) }), broken(fc.constant(event))));
    fc.assert(fc.property(brokenEvent, ([kind, event]) => {
      assert.equal(checkers[kind].fast(event), checkers[kind].slow(event));
      assert.deepEqual(validateEvent(kind, event), oldEvent[kind](event));
    }), { numRuns: 6000 });
  });

  it('accepts valid envelopes, and validateEnvelope answers as before on valid and broken ones', () => {
    fc.assert(fc.property(envelope, (value) => {
      assert.equal(header.fast(value), true);
      assert.deepEqual(validateEnvelope(value), oldValidateEnvelope(value));
    }), RUNS);
    fc.assert(fc.property(broken(envelope), (value) => {
      assert.equal(header.fast(value), header.slow(value));
      assert.deepEqual(validateEnvelope(value), oldValidateEnvelope(value));
    }), { numRuns: 6000 });
  });

  it('refuses a forbidden key at every depth, with the same report as before', () => {
    const base = { eventId: 'e', deviceId: 'd', sentAt: '2024-07-19T04:09:00Z', ring: 'canary', bootId: 'b', uptimeSec: 5, components: { agent: '7.11' }, labels: { team: 'x' } };
    const places = ['', 'event', 'components', 'labels', 'applying', 'deep'] as const;
    fc.assert(fc.property(fc.constantFrom(...places), poisonKey, fc.oneof(strangeValue, id), (place, key, value) => {
      const env = copyJson({ v: 1, kind: 'heartbeat', receivedAt: '2024-07-19T04:09:01Z', collectorId: 'c1', event: base });
      const event = env.event as Record<string, unknown>;
      if (place === 'applying') event.applying = { agent: '7.12' };
      const deep = {};
      if (place === 'deep') event.labels = { team: { a: [{ b: deep }] } };
      const target = place === '' ? env : place === 'event' ? event : place === 'deep' ? deep : event[place];
      Object.defineProperty(target, key, { value: copyJson(value), enumerable: true, writable: true, configurable: true });
      assert.equal(header.fast(env), false);
      assert.equal(checkers.heartbeat.fast(event), place === '');
      const r = validateEnvelope(env);
      assert.deepEqual(r, oldValidateEnvelope(env));
      assert.ok(!r.ok);
    }), { numRuns: 1000 });
  });

  it('decides identifiers, rings, timestamps and numbers at their bounds exactly as TypeBox does', () => {
    const names = [ID_PATTERN, RING_PATTERN].map((pattern) => both(Type.String({ minLength: 1, maxLength: MAX_ID_CHARS, pattern })));
    const strings = fc.oneof(id, fc.tuple(id, badChar, fc.nat()).map(([s, c, i]) => s.slice(0, i % (s.length + 1)) + c + s.slice(i % (s.length + 1))),
      fc.string({ unit: fc.oneof(badChar, fc.constantFrom('a', 'Z', '0', '-', '_', '.')), maxLength: 6 }), fc.constantFrom('constructor', '', 'a'.repeat(129)));
    fc.assert(fc.property(strings, (s) => {
      for (const { fast, slow } of names) assert.equal(fast(s), slow(s), s);
    }), { numRuns: 5000 });
    const time = both(Type.String({ format: 'date-time', maxLength: 40 }));
    fc.assert(fc.property(fc.oneof(timestamp, strangeValue, timestamp.chain((t) => fc.tuple(badChar, fc.nat(23)).map(([c, i]) => t.slice(0, i) + c + t.slice(i + 1)))), (t) => {
      assert.equal(time.fast(t), time.slow(t));
    }), { numRuns: 4000 });
    const uptime = both(Type.Integer({ minimum: 0, maximum: MAX_UPTIME_SECS }));
    const near = (n: number) => fc.oneof(fc.integer({ min: n - 2, max: n + 2 }), fc.double({ min: n - 2, max: n + 2 }));
    fc.assert(fc.property(fc.oneof(near(0), near(MAX_UPTIME_SECS), strangeValue), (n) => {
      assert.equal(uptime.fast(n), uptime.slow(n), String(n));
    }), { numRuns: 2000 });
  });
});

describe('fast checker: schemas beyond the events', () => {
  // The shapes of alerting/shell/decision-codec.ts and alerting/api/flagger-hooks.ts: records of Unknown, open objects,
  // a pattern a table cannot hold.
  const Id = Type.String({ minLength: 1, maxLength: MAX_ID_CHARS, pattern: ID_PATTERN });
  const oneOf = (values: string[]) => Type.Union(values.map((v) => Type.Literal(v)));
  const DecisionLike = Type.Object({
    v: Type.Literal(1), kind: oneOf(['release_verdict', 'pipeline_gap']), verdict: oneOf(['pass', 'fail']),
    release: Type.Optional(Type.Object({ component: Id, version: Id }, { additionalProperties: false })),
    ring: Type.String({ maxLength: 64, pattern: '^(\\*|[a-z0-9][a-z0-9_\\-]*)?$' }),
    windowStart: Type.String({ format: 'date-time' }), summary: Type.String({ maxLength: 4096 }),
    evidence: Type.Record(Type.String(), Type.Unknown()),
  }, { additionalProperties: false });
  const HookLike = Type.Object({
    name: Type.String({ maxLength: 253 }), checksum: Type.Optional(Type.String({ maxLength: 256 })),
    metadata: Type.Object({ component: Id, version: Id, ring: Type.Optional(Type.String({ maxLength: 64 })) }),
  });
  const json = fc.jsonValue({ maxDepth: 3 });
  const decision = fc.record({
    v: fc.constant(1), kind: fc.constantFrom('release_verdict', 'pipeline_gap'), verdict: fc.constantFrom('pass', 'fail'),
    release: fc.record({ component: id, version: id }), ring: fc.constantFrom('', '*', 'canary', 'ring_2'),
    windowStart: timestamp, summary: fc.string(), evidence: fc.dictionary(fc.string(), json),
  }, { requiredKeys: ['v', 'kind', 'verdict', 'ring', 'windowStart', 'summary', 'evidence'] }).map((d) => JSON.parse(JSON.stringify(d)));
  const hook = fc.record({
    name: fc.string(), checksum: fc.string(), metadata: fc.record({ component: id, version: id, ring: fc.string() }, { requiredKeys: ['component', 'version'] }),
    extra: json,
  }, { requiredKeys: ['name', 'metadata'] }).map((d) => JSON.parse(JSON.stringify(d)));

  for (const [name, schema, valid] of [['decision', DecisionLike, decision], ['Flagger hook', HookLike, hook]] as const) {
    it(`gives TypeBox's verdict on valid and broken ${name}s, and compileValidator answers as before`, () => {
      const { fast, slow } = both(schema);
      const [now, before] = [compileValidator(schema), oldValidator(schema)];
      fc.assert(fc.property(fc.oneof(valid, broken(valid)), (value) => {
        assert.equal(fast(value), slow(value));
        assert.deepEqual(now(value), before(value));
      }), RUNS);
    });
  }

  it('has no fast checker for what it does not handle, and compileValidator still validates those', () => {
    const unsupported = [Type.Number(), Type.Array(Type.String()), Type.Integer({ exclusiveMinimum: 0 }), Type.String({ format: 'email' }),
      Type.Object({ a: Type.String() }, { additionalProperties: Type.String() }), Type.Object({ constructor: Type.String() }),
      Type.Union([Type.String(), Type.Integer()]), Type.Record(Type.String(), Type.String(), { minProperties: 1 })];
    for (const schema of unsupported) assert.equal(compileFastCheck(schema), undefined, JSON.stringify(schema));
    const validate = compileValidator(Type.Array(Type.String()));
    assert.ok(validate(['a']).ok);
    assert.deepEqual(validate([1]), { ok: false, errors: [{ path: '/0', reason: 'expected string' }] });
  });

  it('reads simple patterns into tables and leaves the others to the RegExp', () => {
    assert.ok(patternTable(ID_PATTERN) && patternTable(RING_PATTERN));
    assert.equal(patternTable(ID_KEY_PATTERN)?.maxLength, MAX_ID_CHARS);
    const keyed = compileFastCheck(Type.Record(Type.String({ pattern: ID_KEY_PATTERN }), Type.String(), { additionalProperties: false }))!;
    assert.ok(keyed({ ['k'.repeat(MAX_ID_CHARS)]: 'v' }), 'a key of the longest length');
    assert.equal(keyed({ ['k'.repeat(MAX_ID_CHARS + 1)]: 'v' }), false, 'a key one longer');
    for (const p of ['^[a-z][a-z]{1,5}$', '^[a-z][a-z]{0,5}', '^[a-z][a-z]{0,}$', '^(\\*|[a-z0-9][a-z0-9_\\-]*)?$', '^[\\d][a-z]*$', '^[^a][a]*$', '^[a-z][a-z]+$', '[a-z][a-z]*$', '^[a-z][a-z]*']) {
      assert.equal(patternTable(p), undefined, p);
    }
  });

  it('refuses values JSON.parse does not make, leaving the verdict to TypeBox', () => {
    const { fast } = checkers.heartbeat;
    const base = { eventId: 'e', deviceId: 'd', sentAt: '2024-07-19T04:09:00Z', ring: 'canary', bootId: 'b', uptimeSec: 5, components: { agent: '7.11' } };
    for (const odd of [Object.assign(Object.create(null), base), { ...base, components: Object.assign(Object.create(null), { a: '1' }) }, { ...base, components: new Date() }]) {
      assert.equal(fast(odd), false);
      assert.deepEqual(validateEvent('heartbeat', odd), oldEvent.heartbeat(odd));
    }
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const env = { v: 1, kind: 'heartbeat', receivedAt: '2024-07-19T04:09:01Z', collectorId: 'c1', event: deep };
    assert.equal(header.fast(env), false);
    assert.deepEqual(validateEnvelope(env), oldValidateEnvelope(env));
  });
});
