// Device identity against a real Kafka broker, read back with an independent kafkajs consumer: a token
// bound to device A cannot post for device B (403, nothing in the telemetry topic, the attempt kept in the
// dead-letter topic with its reason and credential), A's own events go through; a device JWT speaks for
// its sub and the rings of its claim only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DLQ_HEADERS } from '../../common/contract/dead-letter.ts';
import { heartbeat } from '../../tools/bench/ingest/events.ts';
import { testBrokers, uniquePrefix } from '../support/kafka.ts';
import { AUDIENCE, ISSUER, binding, deviceToken, issuerKey, jwksOf, type IssuerKey } from './support/device-identity.ts';
import { get, post, startCollector, type Answer, type Harness, type PostOptions } from './support/harness.ts';
import { envelopes, kafkaReader, type TopicReader } from './support/read-topic.ts';

const TOKEN_A = `device-a-${randomUUID()}`;

describe('device identity bound to the credential (Kafka)', () => {
  let h: Harness;
  let read: TopicReader;
  let key: IssuerKey;
  const run = randomUUID().slice(0, 8);
  const hb = (i: number, deviceId: string, ring = 'canary') => ({ ...heartbeat(i, { runId: run }), deviceId, ring });
  /** Like a device: a 503 (the broker busy with the fresh topics) is retried after a pause. */
  const send = async (events: unknown[], o: PostOptions): Promise<Answer> => {
    for (let attempt = 0; ; attempt++) {
      const a = await post(h.url, '/v1/heartbeats', { events }, o);
      if (a.status !== 503 || attempt >= 5) return a;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };

  before(async () => {
    key = await issuerKey('ES256', 'fleet-2026');
    const brokers = testBrokers();
    read = kafkaReader(brokers);
    h = await startCollector({
      brokers, topicPrefix: uniquePrefix('identity'),
      collector: {
        device_token_bindings: [binding(TOKEN_A, ['dev-A'])],
        device_jwt: { issuer: ISSUER, audience: AUDIENCE, jwks: jwksOf(key) },
      },
    });
  });
  after(async () => h?.stop());

  it('refuses with 403 a heartbeat that a token bound to device A posts for device B, and takes A\'s own', async () => {
    const forB = hb(1, 'dev-B');
    const refused = await send([forB], { token: TOKEN_A });
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, {
      error: 'forbidden_events', message: refused.body.message, accepted: 0, rejected: 1,
      errors: [{ index: 0, path: '/deviceId', reason: 'this credential may not post events for this device', status: 403 }],
    });
    const own = hb(2, 'dev-A');
    const accepted = await send([own], { token: TOKEN_A });
    assert.deepEqual([accepted.status, accepted.body], [200, { accepted: 1, rejected: 0, errors: [] }]);
    // In one batch, A's event goes through and B's is listed as refused with 403.
    const [own2, forB2] = [hb(3, 'dev-A'), hb(4, 'dev-B')];
    const mixed = await send([own2, forB2], { token: TOKEN_A });
    assert.equal(mixed.status, 200);
    assert.deepEqual([mixed.body.accepted, mixed.body.rejected, mixed.body.errors.map((e: { index: number; status: number }) => [e.index, e.status])], [1, 1, [[1, 403]]]);

    const stored = (await envelopes(read, h.topics.heartbeats)).filter((s) => s.envelope.event.eventId.startsWith(run));
    assert.deepEqual(stored.map((s) => s.envelope.event.eventId).sort(), [own.eventId, own2.eventId].sort(), 'only A\'s own heartbeats are in Kafka');
    assert.ok(stored.every((s) => s.key === 'dev-A'));
    const letters = (await read(h.topics.deadLetter)).filter((r) => r.value.toString().includes(run));
    assert.deepEqual(letters.map((l) => JSON.parse(l.value.toString()).eventId).sort(), [forB.eventId, forB2.eventId].sort());
    for (const l of letters) {
      assert.deepEqual([l.key, l.headers[DLQ_HEADERS.reason], l.headers[DLQ_HEADERS.credential]], ['dev-B', 'device_not_allowed', 'bound:0']);
    }
  });

  it('lets a device JWT post for its sub and the rings of its claim only, and refuses an expired one', async () => {
    const token = await deviceToken(key, { sub: 'dev-C', rings: ['canary'] });
    const ok = hb(10, 'dev-C', 'canary');
    assert.equal((await send([ok], { token })).status, 200);
    const wrongRing = await send([hb(11, 'dev-C', 'broad')], { token });
    assert.deepEqual([wrongRing.status, wrongRing.body.errors[0].path, wrongRing.body.errors[0].status], [403, '/ring', 403]);
    assert.equal((await send([hb(12, 'dev-D', 'canary')], { token })).status, 403);
    const expired = await send([hb(13, 'dev-C', 'canary')], { token: await deviceToken(key, { sub: 'dev-C', expiresInSecs: -3600 }) });
    assert.deepEqual([expired.status, expired.body.error, expired.body.message], [401, 'unauthorized', 'device token has expired']);
    const forged = await send([hb(14, 'dev-C', 'canary')], { token: await deviceToken(await issuerKey('ES256', 'fleet-2026'), { sub: 'dev-C' }) });
    assert.equal(forged.status, 401);

    const stored = (await envelopes(read, h.topics.heartbeats))
      .filter((s) => s.envelope.event.eventId.startsWith(run) && ['dev-C', 'dev-D'].includes(s.envelope.event.deviceId));
    assert.deepEqual(stored.map((s) => s.envelope.event.eventId), [ok.eventId], 'only the allowed ring of the allowed device');
    const letters = (await read(h.topics.deadLetter)).filter((r) => r.headers[DLQ_HEADERS.credential] === 'jwt:dev-C');
    assert.deepEqual(letters.map((l) => l.headers[DLQ_HEADERS.reason]).sort(), ['device_not_allowed', 'ring_not_allowed']);

    const metrics = (await get(h.url, '/metrics')).text;
    assert.match(metrics, /ringwatch_collector_events_total\{signal="heartbeat",outcome="rejected",reason="device_not_allowed"\} 3/);
    assert.match(metrics, /ringwatch_collector_events_total\{signal="heartbeat",outcome="rejected",reason="ring_not_allowed"\} 1/);
    assert.match(metrics, /ringwatch_collector_auth_refusals_total\{reason="token_expired"\} 1/);
    assert.match(metrics, /ringwatch_collector_auth_refusals_total\{reason="bad_signature"\} 1/);
    assert.match(metrics, /ringwatch_collector_requests_total\{route="\/v1\/heartbeats",reason="forbidden_events"\} 3/);
  });

  it('warns at start-up that shared device tokens speak for anyone, and never logs a token', async () => {
    const logs = h.logs.join('');
    assert.match(logs, /shared device tokens are configured/);
    assert.ok(!logs.includes(TOKEN_A), 'the bound token is not in the logs');
    assert.ok(!/eyJ[\w-]+\.eyJ/.test(logs), 'no JWT in the logs');
  });
});
