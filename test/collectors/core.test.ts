// The collector's pure pieces, without sockets or Kafka: clock policy, acceptance, envelope parsing,
// original-bytes slicing, token buckets and token checks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../common/runtime/clock.ts';
import { acceptEvents } from '../../collectors/accept.ts';
import { Authenticator, bearerToken } from '../../collectors/auth.ts';
import { parseBatch } from '../../collectors/batch.ts';
import { applyClockPolicy } from '../../collectors/clock-policy.ts';
import { TokenBuckets } from '../../collectors/rate-limit.ts';
import { rawEventTexts } from '../../collectors/raw-elements.ts';
import { heartbeat } from '../../tools/bench/ingest/events.ts';

const policy = { maxFutureSkewMs: 60_000, maxPastAgeMs: 86_400_000 };
const T = Date.parse('2025-03-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('clock policy', () => {
  it('keeps past times, clamps a small future skew to receipt, refuses far future and too old', () => {
    assert.deepEqual(applyClockPolicy(iso(T - 5000), T, policy), { ok: true, eventAtMs: T - 5000, clamped: false });
    assert.deepEqual(applyClockPolicy(iso(T + 59_000), T, policy), { ok: true, eventAtMs: T, clamped: true });
    assert.equal(applyClockPolicy(iso(T + 61_000), T, policy).ok, false);
    assert.deepEqual(applyClockPolicy(iso(T - 86_400_001), T, policy), { ok: false, reason: 'stale_timestamp', message: 'more than 86400 s older than the server\'s receipt time' });
  });

  it('stamps receipt time and collector id, and names the refused time field per kind', () => {
    const result = acceptEvents({
      kind: 'heartbeat', receivedAtMs: T, collectorId: 'c-1', policy,
      events: [heartbeat(1, { runId: 'r', at: iso(T - 1000) }), heartbeat(2, { runId: 'r', at: iso(T + 3_600_000) })],
    });
    assert.equal(result.accepted.length, 1);
    assert.deepEqual({ ...result.accepted[0].envelope, event: undefined }, {
      v: 1, kind: 'heartbeat', receivedAt: iso(T), eventAt: iso(T - 1000), collectorId: 'c-1', event: undefined,
    });
    assert.deepEqual(result.refused.map((r) => [r.index, r.reason, r.errors[0].path]), [[1, 'future_timestamp', '/sentAt']]);
  });

  it('writes eventAt in canonical form whatever RFC 3339 form the device sent (a canonical one is kept as sent)', () => {
    const forms = (ms: number) => {
      const c = iso(ms);
      const noMillis = c.endsWith('.000Z') ? `${c.slice(0, 19)}Z` : c;
      const offset = new Date(ms + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
      return [c, c.replace('T', 't').replace('Z', 'z'), noMillis, offset, c.replace('Z', '+00:00')];
    };
    fc.assert(fc.property(fc.integer({ min: T - 86_000_000, max: T }), fc.nat(4), (ms, form) => {
      const sent = forms(ms)[form];
      const [a] = acceptEvents({ kind: 'heartbeat', receivedAtMs: T, collectorId: 'c-1', policy, events: [heartbeat(1, { runId: 'r', at: sent })] }).accepted;
      assert.equal(a?.envelope.eventAt, iso(ms), sent);
    }));
  });
});

describe('request envelope', () => {
  const refused = (text: string) => {
    try { parseBatch(Buffer.from(text), 10); } catch (err) { return [(err as { reason: string }).reason, (err as Error).message]; }
    return undefined;
  };

  it('refuses anything but {"events":[...]} with a precise message', () => {
    assert.deepEqual(refused('[]'), ['malformed', 'body must be a JSON object {"events": [...]}']);
    assert.deepEqual(refused('{"events":{}}'), ['malformed', '/events: required, must be an array']);
    assert.deepEqual(refused('{"events":[],"batch":1}'), ['malformed', '/batch: unknown top-level key (only "events" is allowed)']);
    assert.deepEqual(refused('{"constructor":{},"events":[]}'), ['malformed', '/constructor: forbidden key (prototype pollution)']);
    assert.deepEqual(refused(`{"events":[${'1,'.repeat(10)}1]}`), ['too_many_events', '/events: 11 events, at most 10 per request']);
    assert.equal(refused('{"events":[]}'), undefined);
  });

  it('never quotes the body in a JSON error, and refuses invalid UTF-8', () => {
    const [, message] = refused('{"events":[SECRET]}') ?? [];
    assert.ok(message && !message.includes('SECRET'));
    assert.throws(() => parseBatch(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), 10), /not valid UTF-8/);
  });
});

describe('original bytes of each event', () => {
  it('slices exactly the text JSON.parse read each element from, whatever the spacing, escapes and nesting', () => {
    const body = fc.array(fc.jsonValue(), { maxLength: 8 });
    const ws = fc.constantFrom('', ' ', '\n', '\t ', '\r\n');
    fc.assert(fc.property(body, ws, ws, (events, a, b) => {
      const elements = events.map((e) => JSON.stringify(e, null, a.length % 2 ? 1 : undefined));
      const text = `${a}{${b}"ignored"${a}:${b}[1,{"x":"]"}]${a},${b}"events"${a}:${b}[${a}${elements.join(`${a},${b}`)}${b}]${a}}${b}`;
      assert.deepEqual(rawEventTexts(text), elements);
      assert.deepEqual(rawEventTexts(text).map((t) => JSON.parse(t)), JSON.parse(text).events);
    }), { numRuns: 300 });
  });

  it('follows JSON.parse when "events" appears twice: the last one wins', () => {
    assert.deepEqual(rawEventTexts('{"events":[1],"\\u0065vents":["a\\"]", {"b":[]} ]}'), ['"a\\"]"', '{"b":[]}']);
  });
});

describe('token buckets', () => {
  it('allow the burst, refuse with the wait until a token, refill with time, and drop the least recently used', () => {
    const clock = new ManualClock(0);
    const evicted: number[] = [];
    const buckets = new TokenBuckets({ ratePerSec: 0.5, burst: 2, maxKeys: 2, onEvict: () => evicted.push(clock.now()) }, clock);
    assert.deepEqual([buckets.take('a'), buckets.take('a'), buckets.take('a')], [{ ok: true }, { ok: true }, { ok: false, retryAfterSecs: 2 }]);
    clock.advance(2000);
    assert.deepEqual(buckets.take('a'), { ok: true });
    buckets.take('b');
    buckets.take('a');
    buckets.take('c'); // evicts b, the least recently used
    assert.deepEqual([buckets.size, evicted.length], [2, 1]);
    assert.deepEqual(buckets.take('a'), { ok: false, retryAfterSecs: 2 }, 'a was kept, still empty');
  });
});

describe('bearer tokens', () => {
  it('parses the Authorization header strictly', () => {
    assert.equal(bearerToken('Bearer abc.DEF-123'), 'abc.DEF-123');
    assert.equal(bearerToken('bearer  abc'), 'abc');
    for (const bad of [undefined, '', 'Basic abc', 'Bearer', 'Bearer a b', 'Bearerabc']) assert.equal(bearerToken(bad), undefined);
  });

  it('tells device and release tokens apart, refuses unknown ones, and lets anyone in when auth is off', async () => {
    const auth = new Authenticator({ auth_enabled: true, device_tokens: ['d1', 'd2'], release_token: 'r1' });
    assert.deepEqual(await auth.authenticate('Bearer d2', 'device'), { audience: 'device', id: 'device:1' });
    assert.deepEqual(await auth.authenticate('Bearer r1', 'release'), { audience: 'release', id: 'release' });
    await assert.rejects(auth.authenticate('Bearer d1', 'release'), { reason: 'forbidden', refusal: 'wrong_route' });
    await assert.rejects(auth.authenticate('Bearer d3', 'device'), { reason: 'unauthorized', refusal: 'unknown_token' });
    await assert.rejects(auth.authenticate(undefined, 'device'), { reason: 'unauthorized', refusal: 'missing_token' });
    const open = new Authenticator({ auth_enabled: false, device_tokens: [] });
    assert.equal((await open.authenticate(undefined, 'release')).audience, 'anonymous');
  });
});
