// Contract v1 validation: valid events pass unchanged; every kind of breakage is refused with its path.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateEvent } from '../../common/contract/validate.ts';
import { parseTimestamp } from '../../common/contract/formats.ts';
import { decodeEnvelope } from '../../common/contract/envelope.ts';
import type { EventKind } from '../../common/contract/events.ts';
import { crash, deployment, heartbeat } from './arbitraries.ts';

const kinds = { heartbeat, crash, deployment } as const;
const requiredFields: Record<EventKind, string[]> = {
  heartbeat: ['eventId', 'deviceId', 'sentAt', 'ring', 'bootId', 'uptimeSec', 'components'],
  crash: ['eventId', 'deviceId', 'occurredAt', 'ring', 'bootId', 'components', 'kind'],
  deployment: ['eventId', 'component', 'version', 'ring', 'action', 'at'],
};

describe('event contract v1', () => {
  for (const [kind, arb] of Object.entries(kinds) as [EventKind, fc.Arbitrary<Record<string, unknown>>][]) {
    it(`accepts every valid ${kind} unchanged`, () => {
      fc.assert(fc.property(arb, (event) => {
        const copy = structuredClone(event);
        const r = validateEvent(kind, event);
        assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
        assert.deepEqual(event, copy, 'validation must not change the event');
      }), { numRuns: 300 });
    });

    it(`refuses a ${kind} with a missing field, naming the field`, () => {
      fc.assert(fc.property(arb, fc.constantFrom(...requiredFields[kind]), (event, field) => {
        const broken = { ...event };
        delete broken[field];
        const r = validateEvent(kind, broken);
        assert.ok(!r.ok);
        assert.ok(r.errors.some((e) => e.path === `/${field}` && e.reason === 'required field is missing'), JSON.stringify(r.errors));
      }), { numRuns: 200 });
    });

    it(`refuses a ${kind} with an unknown field or a wrongly typed field`, () => {
      fc.assert(fc.property(arb, fc.constantFrom(...requiredFields[kind]), (event, field) => {
        const extra = validateEvent(kind, { ...event, surprise: 1 });
        assert.ok(!extra.ok && extra.errors.some((e) => e.path === '/surprise' && e.reason === 'unknown field'));
        const wrong = validateEvent(kind, { ...event, [field]: [] });
        assert.ok(!wrong.ok && wrong.errors.some((e) => e.path === `/${field}`), JSON.stringify(!wrong.ok && wrong.errors));
      }), { numRuns: 200 });
    });
  }

  const base = { eventId: 'e1', deviceId: 'd1', sentAt: '2024-07-19T04:09:00Z', ring: 'canary', bootId: 'b1', uptimeSec: 5, components: { agent: '7.11' } };
  const firstError = (value: unknown) => {
    const r = validateEvent('heartbeat', value);
    assert.ok(!r.ok, 'should be refused');
    return r.errors[0];
  };

  it('does not coerce a string into a number', () => {
    assert.deepEqual(firstError({ ...base, uptimeSec: '5' }), { path: '/uptimeSec', reason: 'expected integer' });
  });

  it('takes an agent\'s heartbeat interval from 1 s to a day, in whole seconds, and refuses anything else', () => {
    for (const intervalSecs of [1, 300, 1200, 86400]) assert.ok(validateEvent('heartbeat', { ...base, intervalSecs }).ok, String(intervalSecs));
    for (const intervalSecs of [0, -300, 86401, 1.5, '300', null]) {
      assert.equal(firstError({ ...base, intervalSecs }).path, '/intervalSecs', String(intervalSecs));
    }
  });

  it('refuses 21 components where 20 are allowed', () => {
    const components = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`channel-${i}`, '1']));
    assert.deepEqual(firstError({ ...base, components }), { path: '/components', reason: 'more than 20 entries' });
  });

  it('refuses impossible timestamps: 30 February, no offset, before 2000', () => {
    for (const sentAt of ['2024-02-30T00:00:00Z', '2024-07-19T04:09:00', '1999-12-31T23:59:59Z', 'yesterday']) {
      assert.equal(firstError({ ...base, sentAt }).path, '/sentAt', sentAt);
    }
  });

  it('reads the toISOString() form on its fast path exactly like the general parser', () => {
    assert.equal(firstError({ ...base, sentAt: '2023-02-29T00:00:00.000Z' }).path, '/sentAt');
    assert.equal(firstError({ ...base, sentAt: '2024-13-01T00:00:00.000Z' }).path, '/sentAt');
    assert.equal(firstError({ ...base, sentAt: '2024-01-01T24:00:00.000Z' }).path, '/sentAt');
    assert.ok(validateEvent('heartbeat', { ...base, sentAt: '2024-02-29T23:59:59.999Z' }).ok);
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }), (ms) => {
      assert.equal(parseTimestamp(new Date(ms).toISOString()), ms);
    }), { numRuns: 500 });
  });

  it('reads timestamps of the day just read exactly like the general parser, and still refuses a bad second', () => {
    // Pairs in one minute (so of one day): the second is read with the remembered day number.
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }), fc.integer({ min: 0, max: 59_999 }), (ms, within) => {
      const minute = ms - (ms % 60_000);
      assert.equal(parseTimestamp(new Date(ms).toISOString()), ms);
      assert.equal(parseTimestamp(new Date(minute + within).toISOString()), minute + within);
    }), { numRuns: 500 });
    assert.equal(parseTimestamp('2024-02-29T23:59:58.000Z'), Date.UTC(2024, 1, 29, 23, 59, 58));
    for (const bad of ['2024-02-29T23:59:60.000Z', '2024-02-29T23:59:5x.000Z', '2024-02-29T23:59:59,000Z', '2024-02-29T23:59:59.000+']) {
      assert.ok(Number.isNaN(parseTimestamp(bad)), bad);
    }
    assert.equal(parseTimestamp('2099-12-31T23:59:59.999Z'), Date.UTC(2099, 11, 31, 23, 59, 59, 999));
    assert.ok(Number.isNaN(parseTimestamp('2100-01-01T00:00:00.000Z')));
  });

  it('refuses oversize strings and prototype-poisoning keys', () => {
    assert.deepEqual(firstError({ ...base, deviceId: 'd'.repeat(129) }), { path: '/deviceId', reason: 'longer than 128 characters' });
    assert.deepEqual(firstError(JSON.parse('{"__proto__": {"polluted": true}}')), { path: '/__proto__', reason: 'forbidden key (prototype pollution)' });
    assert.equal(firstError({ ...base, components: JSON.parse('{"constructor": "1"}') }).path, '/components/constructor');
  });

  it('refuses map keys that are not names (components, applying, labels)', () => {
    assert.equal(firstError({ ...base, components: { '!!': '1' } }).path, '/components/!!');
    assert.equal(firstError({ ...base, applying: { 'a b': '1' } }).path, '/applying/a b');
    assert.equal(firstError({ ...base, labels: { '-x': 'y' } }).path, '/labels/-x');
    // A map key is an identifier too: at most 128 characters.
    assert.ok(validateEvent('heartbeat', { ...base, components: { ['c'.repeat(128)]: '1' } }).ok);
    const long = firstError({ ...base, components: { ['c'.repeat(129)]: '1' } });
    assert.equal(long.path, `/components/${'c'.repeat(129)}`);
    assert.match(long.reason, /^not an allowed name \(must match .*\{0,127\}\$\)$/);
  });

  it('names the allowed values of an enumeration', () => {
    const r = validateEvent('crash', { eventId: 'e', deviceId: 'd', occurredAt: '2024-07-19T04:09:00Z', ring: 'canary', bootId: 'b', components: {}, kind: 'bluescreen' });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors, [{ path: '/kind', reason: 'must be one of kernel, agent, application' }]);
  });

  it('validates envelopes and points into the event on an inner error', () => {
    const envelope = { v: 1, kind: 'heartbeat', receivedAt: '2024-07-19T04:09:01Z', collectorId: 'c1', event: { ...base, uptimeSec: -1 } };
    const r = decodeEnvelope(JSON.stringify(envelope));
    assert.ok(!r.ok);
    assert.equal(r.errors[0].path, '/event/uptimeSec');
    assert.ok(decodeEnvelope(JSON.stringify({ ...envelope, event: base })).ok);
    const notJson = decodeEnvelope('{"v":1,');
    assert.ok(!notJson.ok && notJson.errors[0].reason.startsWith('not JSON'));
  });
});
