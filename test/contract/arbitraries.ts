// fast-check generators of valid events of contract v1, shared by contract and ingest tests.
import fc from 'fast-check';
import { MAX_COMPONENTS, MAX_ID_CHARS, MAX_INTERVAL_SECS, MAX_LABELS, MAX_UPTIME_SECS } from '../../common/contract/limits.ts';

const idChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/@+-');
const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789');
export const id = fc.tuple(alnum, fc.string({ unit: idChar, maxLength: 40 })).map(([a, b]) => a + b)
  .filter((s) => s.length <= MAX_ID_CHARS && !['constructor', 'prototype'].includes(s));
export const ring = fc.constantFrom('canary', 'early', 'broad', 'ring-3');
export const timestamp = fc.integer({ min: Date.UTC(2001, 0, 1), max: Date.UTC(2099, 0, 1) }).map((ms) => new Date(ms).toISOString());
export const components = fc.dictionary(id, id, { minKeys: 1, maxKeys: MAX_COMPONENTS, noNullPrototype: true });

/** Events reach ringwatch as JSON: plain objects, no null prototypes. */
const asJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const heartbeat = fc.record({
  eventId: id, deviceId: id, sentAt: timestamp, ring, bootId: id,
  uptimeSec: fc.integer({ min: 0, max: 10_000_000 }), components,
}, { requiredKeys: ['eventId', 'deviceId', 'sentAt', 'ring', 'bootId', 'uptimeSec', 'components'] }).map(asJson);

export const crash = fc.record({
  eventId: id, deviceId: id, occurredAt: timestamp, ring, bootId: id, components,
  kind: fc.constantFrom('kernel', 'agent', 'application'),
  signature: fc.option(fc.string({ minLength: 1, maxLength: 100 }), { nil: undefined }),
}).map(({ signature, ...rest }) => asJson(signature === undefined ? rest : { ...rest, signature }));

export const deployment = fc.record({
  eventId: id, component: id, version: id, ring,
  action: fc.constantFrom('started', 'paused', 'resumed', 'completed', 'halted', 'rolled_back'), at: timestamp,
}).map(asJson);

// Every optional field, envelopes, and breakage: for the differential tests of the fast checker
// (fast-check.test.ts), which must agree with TypeBox on valid and broken values alike.
const longId = fc.tuple(alnum, fc.string({ unit: idChar, minLength: 100, maxLength: MAX_ID_CHARS - 1 })).map(([a, b]) => a + b);
const anyId = fc.oneof({ weight: 4, arbitrary: id }, { weight: 1, arbitrary: longId });
const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
const versions = fc.dictionary(anyId, anyId, { maxKeys: MAX_COMPONENTS, noNullPrototype: true });

export const heartbeatFull = fc.record({
  eventId: anyId, deviceId: anyId, sentAt: timestamp, ring, bootId: anyId,
  uptimeSec: fc.integer({ min: 0, max: MAX_UPTIME_SECS }), intervalSecs: fc.integer({ min: 1, max: MAX_INTERVAL_SECS }), components: versions,
  applying: versions, os: text, hardware: text, region: id,
  labels: fc.dictionary(id, fc.string({ unit: 'binary', maxLength: 40 }), { maxKeys: MAX_LABELS, noNullPrototype: true }),
}, { requiredKeys: ['eventId', 'deviceId', 'sentAt', 'ring', 'bootId', 'uptimeSec', 'components'] }).map(asJson);

export const crashFull = fc.tuple(crash, fc.option(id, { nil: undefined }))
  .map(([event, region]) => (region === undefined ? event : { ...event, region }));

export const eventOfAnyKind = fc.oneof(
  heartbeatFull.map((event) => ({ kind: 'heartbeat' as const, event })),
  crashFull.map((event) => ({ kind: 'crash' as const, event })),
  deployment.map((event) => ({ kind: 'deployment' as const, event })),
);

export const envelope = fc.record({
  v: fc.constant(1), receivedAt: timestamp, eventAt: timestamp, collectorId: anyId, inner: eventOfAnyKind,
}, { requiredKeys: ['v', 'receivedAt', 'collectorId', 'inner'] })
  .map(({ inner, ...header }) => asJson({ ...header, kind: inner.kind, event: inner.event }));

/** A deep copy that keeps own keys such as "__proto__" as plain data properties, as JSON.parse makes them. */
export function copyJson<T>(value: T): T {
  if (Array.isArray(value)) return Array.from(value, copyJson) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, { value: copyJson((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}

export const poisonKey = fc.constantFrom('__proto__', 'constructor', 'prototype');
const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** Characters no identifier may hold, and some that only look like ASCII. */
export const badChar = fc.oneof(
  fc.constantFrom(' ', '_', '!', '*', '\u0000', '\n', '\u2028', 'é', '\u0130', '\u212a', '\u017f', 'Ａ'),
  surrogate, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
/** Values of the wrong type, at or just past a bound, or carrying a forbidden key. */
export const strangeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, -1, 1.5, MAX_UPTIME_SECS, MAX_UPTIME_SECS + 1, 2 ** 53, Number.NaN, Infinity,
    '', 'heartbeat', 'kernel', 'started', 'canary', 'ring-3', '*', '2024-02-30T00:00:00Z', '2024-07-19T04:09:00Z',
    '1999-12-31T23:59:59.999Z', '2099-12-31T23:59:59.999Z', '2100-01-01T00:00:00.000Z', '2024-07-19T04:09:00.1234567890Z'),
  fc.constantFrom(40, 41, 64, 65, 128, 129, 512, 513).map((n) => 'a'.repeat(n)),
  fc.constant(0).map(() => ({})), fc.constant(0).map(() => []),
  poisonKey.map((k) => JSON.parse(`{"${k}": {"x": 1}}`) as unknown),
  fc.array(fc.oneof(id, poisonKey.map((k) => JSON.parse(`{"a": {"${k}": 1}}`) as unknown)), { maxLength: 2 }),
  fc.string({ unit: 'binary', maxLength: 20 }), id, timestamp, fc.integer(), fc.double(),
);

const knownKey = fc.constantFrom('eventId', 'deviceId', 'ring', 'components', 'labels', 'applying', 'os', 'region', 'kind', 'event', 'v', 'eventAt', 'metadata', 'evidence', 'scope', 'release');
const mutation = fc.record({
  at: fc.nat(), op: fc.constantFrom('replace', 'delete', 'addKey', 'editString', 'nudge', 'grow'),
  key: fc.oneof(poisonKey, knownKey, id, fc.string({ unit: 'binary', maxLength: 8 })),
  value: fc.oneof(strangeValue, id), char: badChar, pos: fc.nat(),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function nodesOf(value: unknown, into: [Record<string, unknown>, string][] = []): [Record<string, unknown>, string][] {
  if (typeof value !== 'object' || value === null) return into;
  for (const key of Object.keys(value)) {
    into.push([value as Record<string, unknown>, key]);
    nodesOf((value as Record<string, unknown>)[key], into);
  }
  return into;
}

function editString(s: string, m: Mutation): string {
  switch (m.pos % 4) {
    case 0: return s.slice(0, m.pos % (s.length + 1)) + m.char + s.slice(m.pos % (s.length + 1));
    case 1: return '';
    case 2: return s.padEnd([40, 41, 64, 65, 128, 129, 512, 513][m.pos % 8], 'a');
    default: return m.char + s.slice(1);
  }
}

/** Break a copy of a value in one place: replace, delete or add a key, or damage a string, at any depth. */
export function mutate(value: unknown, m: Mutation): unknown {
  const root = copyJson(value);
  const nodes = nodesOf(root);
  if (nodes.length === 0 || m.at % (nodes.length + 1) === nodes.length) { // the root itself
    if (m.op === 'addKey' && typeof root === 'object' && root !== null && !Array.isArray(root)) {
      Object.defineProperty(root, m.key, { value: copyJson(m.value), enumerable: true, writable: true, configurable: true });
      return root;
    }
    return copyJson(m.value);
  }
  const [parent, key] = nodes[m.at % nodes.length];
  const current = parent[key];
  if (m.op === 'delete') delete parent[key];
  else if (m.op === 'editString' && typeof current === 'string') parent[key] = editString(current, m);
  else if (m.op === 'nudge' && typeof current === 'number') parent[key] = current + [-1, 1, -0.5, 0.5][m.pos % 4];
  else if (m.op === 'grow' && typeof current === 'object' && current !== null && !Array.isArray(current)) {
    // to just below or just past MAX_LABELS or MAX_COMPONENTS entries, with names and values like the first one
    const target = current as Record<string, unknown>;
    const [name, first] = Object.entries(target)[0] ?? ['k', 'v'];
    for (let i = 0; Object.keys(target).length < [15, 16, 17, 19, 20, 21][m.pos % 6]; i++) target[`${name}${i}`] = copyJson(first);
  }
  else if (m.op === 'addKey' && !Array.isArray(parent)) { // arrays from JSON have no named keys
    const target = typeof current === 'object' && current !== null && !Array.isArray(current) ? current : parent;
    Object.defineProperty(target, m.key, { value: copyJson(m.value), enumerable: true, writable: true, configurable: true });
  } else parent[key] = copyJson(m.value);
  return root;
}

/** A valid value broken in one to three places. */
export const broken = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, ms]) => ms.reduce<unknown>(mutate, v));
