// fast-check generators of valid events of contract v1, shared by contract and ingest tests.
import fc from 'fast-check';
import { MAX_COMPONENTS, MAX_ID_CHARS } from '../../common/contract/limits.ts';

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
