// What a client of the collector sees, run against a live collector on a given bus (memory or a real
// Kafka broker): every documented answer, and that nothing valid next to a refused thing is lost.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DLQ_HEADERS } from '../../../common/contract/dead-letter.ts';
import { crash, deployment, heartbeat } from '../../../tools/bench/ingest/events.ts';
import { post, RELEASE_TOKEN, type Harness } from './harness.ts';
import { envelopes, type TopicReader } from './read-topic.ts';

export interface ContractSetup {
  harness: Harness;
  read: TopicReader;
}

const countBy = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());

export function ingestContract(name: string, setup: () => Promise<ContractSetup>): void {
  describe(`collector ingest (${name})`, () => {
    let h: Harness;
    let read: TopicReader;
    const run = randomUUID().slice(0, 8);
    const o = { runId: run };

    before(async () => ({ harness: h, read } = await setup()));
    after(async () => h?.stop());

    it('puts each accepted event in its topic exactly once, keyed by device, with receivedAt and the collector id', async () => {
      const before = Date.now();
      const hb = Array.from({ length: 150 }, (_, i) => heartbeat(i, { runId: `${run}-once` }));
      for (let i = 0; i < 3; i++) {
        const a = await post(h.url, '/v1/heartbeats', { events: hb.slice(i * 50, i * 50 + 50) });
        assert.deepEqual([a.status, a.body], [200, { accepted: 50, rejected: 0, errors: [] }]);
      }
      assert.equal((await post(h.url, '/v1/crashes', { events: [crash(1, o), crash(2, o)] })).status, 200);
      assert.equal((await post(h.url, '/v1/deployments', { events: [deployment(1, o)] }, { token: RELEASE_TOKEN })).status, 200);
      const afterMs = Date.now();
      const stored = (await envelopes(read, h.topics.heartbeats)).filter((s) => s.envelope.event.eventId.startsWith(`${run}-once`));
      const counts = countBy(stored.map((s) => s.envelope.event.eventId));
      assert.equal(counts.size, 150);
      assert.ok([...counts.values()].every((n) => n === 1), 'every event exactly once');
      for (const { key, envelope } of stored) {
        assert.equal(key, envelope.event.deviceId);
        assert.equal(envelope.collectorId, 'test-collector');
        const received = Date.parse(envelope.receivedAt);
        assert.ok(received >= before - 1 && received <= afterMs + 1, 'receivedAt is the receipt time');
        assert.deepEqual(envelope.event, hb.find((e) => e.eventId === envelope.event.eventId));
      }
      const crashes = (await envelopes(read, h.topics.crashes)).filter((s) => s.envelope.event.eventId.startsWith(run));
      assert.deepEqual(crashes.map((c) => c.envelope.kind), ['crash', 'crash']);
      const deployments = (await envelopes(read, h.topics.deployments)).filter((s) => s.envelope.event.eventId.startsWith(run));
      assert.deepEqual(deployments.map((d) => [d.key, d.envelope.kind]), [['channel-291', 'deployment']]);
    });

    it('acknowledges each of many concurrent requests only with its own events written, each exactly once', async () => {
      const requests = Array.from({ length: 24 }, (_, r) => Array.from({ length: 25 }, (_, i) => heartbeat(r * 25 + i, { runId: `${run}-conc` })));
      const answers = await Promise.all(requests.map((events) => post(h.url, '/v1/heartbeats', { events })));
      assert.deepEqual(answers.map((a) => a.status), requests.map(() => 200));
      const counts = countBy((await envelopes(read, h.topics.heartbeats)).map((s) => s.envelope.event.eventId)
        .filter((id: string) => id.startsWith(`${run}-conc`)));
      assert.equal(counts.size, 600);
      assert.ok([...counts.values()].every((n) => n === 1));
    });

    it('accepts the rest of a batch with one invalid event and dead-letters the bad one with its reason and original bytes', async () => {
      const good = [heartbeat(1, { runId: `${run}-dlq` }), heartbeat(2, { runId: `${run}-dlq` })];
      const badText = `{ "eventId" : "${run}-dlq-bad", "deviceId":"dev-bad", "uptimeSec": "12" , "extra" : true }`;
      const body = `{"events":[${JSON.stringify(good[0])},\n  ${badText} ,${JSON.stringify(good[1])}]}`;
      const a = await post(h.url, '/v1/heartbeats', body);
      assert.equal(a.status, 200);
      assert.equal(a.body.accepted, 2);
      assert.equal(a.body.rejected, 1);
      assert.ok(a.body.errors.every((e: { index: number }) => e.index === 1));
      assert.ok(a.body.errors.some((e: { path: string }) => e.path === '/extra'));
      const stored = (await envelopes(read, h.topics.heartbeats)).map((s) => s.envelope.event.eventId);
      assert.ok(good.every((g) => stored.includes(g.eventId)));
      const letters = (await read(h.topics.deadLetter)).filter((r) => r.value.toString().includes(`${run}-dlq-bad`));
      assert.equal(letters.length, 1);
      assert.equal(letters[0].value.toString('utf8'), badText, 'the original bytes, not a re-serialisation');
      assert.equal(letters[0].key, 'dev-bad');
      assert.equal(letters[0].headers[DLQ_HEADERS.reason], 'invalid_field');
      assert.equal(letters[0].headers[DLQ_HEADERS.source], 'http:/v1/heartbeats#1');
      assert.match(letters[0].headers[DLQ_HEADERS.errors], /"\/extra"/);
    });

    it('refuses an extra field, a string for a number, 21 components and a far-future time, one by one, and keeps their neighbours', async () => {
      const ev = (i: number) => heartbeat(i, { runId: `${run}-each` });
      const components = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`content-${i}`, '1.0']));
      const now = Date.now();
      const events = [
        ev(0),
        { ...ev(1), firmware: 'x' },
        ev(2),
        { ...ev(3), uptimeSec: '3600' },
        { ...ev(4), components },
        { ...ev(5), sentAt: new Date(now + 400 * 86_400_000).toISOString() },
        { ...ev(6), sentAt: new Date(now + 60_000).toISOString() },
        { ...ev(7), sentAt: '2001-01-01T00:00:00Z' },
        ev(8),
      ];
      const a = await post(h.url, '/v1/heartbeats', { events });
      assert.equal(a.status, 200);
      assert.deepEqual(a.body.errors.map((e: { index: number; path: string }) => [e.index, e.path]), [
        [1, '/firmware'], [3, '/uptimeSec'], [4, '/components'], [5, '/sentAt'], [7, '/sentAt'],
      ]);
      assert.deepEqual([a.body.accepted, a.body.rejected], [4, 5]);
      assert.match(a.body.errors[2].reason, /more than 20/);
      assert.match(a.body.errors[3].reason, /ahead of the server's receipt time/);
      const stored = new Map((await envelopes(read, h.topics.heartbeats)).map((s) => [s.envelope.event.eventId, s.envelope]));
      for (const i of [0, 2, 6, 8]) assert.ok(stored.has(ev(i).eventId), `event ${i} accepted`);
      for (const i of [1, 3, 4, 5, 7]) assert.ok(!stored.has(ev(i).eventId), `event ${i} refused`);
      const clamped = stored.get(ev(6).eventId);
      assert.equal(clamped.eventAt, clamped.receivedAt, 'a small future skew is clamped to receipt time');
      assert.equal(clamped.event.sentAt, events[6].sentAt, 'the device time itself is kept as sent');
    });

    it('answers every whole-request refusal with its documented status and loses nothing valid around them', async () => {
      const ev = (i: number) => heartbeat(i, { runId: `${run}-whole` });
      const before = await post(h.url, '/v1/heartbeats', { events: [ev(0), ev(1)] });
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
      const answers = {
        oversize: await post(h.url, '/v1/heartbeats', `{"events":[${JSON.stringify(ev(90))}]}`.padEnd(1_100_000, ' ')),
        bomb: await post(h.url, '/v1/heartbeats', bomb, { headers: { 'content-encoding': 'gzip' } }),
        badToken: await post(h.url, '/v1/heartbeats', { events: [ev(91)] }, { token: 'not-a-token' }),
        noToken: await post(h.url, '/v1/heartbeats', { events: [ev(92)] }, { token: null }),
        wrongKind: await post(h.url, '/v1/deployments', { events: [deployment(93, o)] }),
        contentType: await post(h.url, '/v1/heartbeats', { events: [ev(94)] }, { contentType: 'text/plain' }),
        encoding: await post(h.url, '/v1/heartbeats', { events: [ev(95)] }, { headers: { 'content-encoding': 'br' } }),
        tooMany: await post(h.url, '/v1/heartbeats', { events: Array.from({ length: 1001 }, (_, i) => ev(1000 + i)) }),
        malformed: await post(h.url, '/v1/heartbeats', `{"events":[${JSON.stringify(ev(96))}`),
        proto: await post(h.url, '/v1/heartbeats', `{"events":[${JSON.stringify(ev(97))}],"__proto__":{"admin":true}}`),
      };
      const afterwards = await post(h.url, '/v1/heartbeats', { events: [ev(2), ev(3)] }, { gzip: true });
      const seen = Object.fromEntries(Object.entries(answers).map(([k, a]) => [k, [a.status, a.body.error]]));
      assert.deepEqual(seen, {
        oversize: [413, 'body_too_large'], bomb: [413, 'body_too_large'],
        badToken: [401, 'unauthorized'], noToken: [401, 'unauthorized'], wrongKind: [403, 'forbidden'],
        contentType: [415, 'unsupported_media_type'], encoding: [415, 'unsupported_encoding'],
        tooMany: [413, 'too_many_events'], malformed: [400, 'malformed'], proto: [400, 'malformed'],
      });
      assert.ok(answers.bomb.ms < 2000, `a gzip bomb is refused quickly (${answers.bomb.ms.toFixed(0)} ms)`);
      assert.equal(answers.badToken.headers['www-authenticate'], 'Bearer realm="ringwatch"');
      assert.deepEqual([before.status, afterwards.status], [200, 200]);
      const stored = countBy((await envelopes(read, h.topics.heartbeats)).map((s) => s.envelope.event.eventId)
        .filter((id: string) => id.startsWith(`${run}-whole`)));
      assert.deepEqual([...stored.entries()].sort(), [0, 1, 2, 3].map((i) => [ev(i).eventId, 1]).sort());
    });

    it('answers 400 with the full list when every event of a batch is invalid, and dead-letters them all', async () => {
      const events = [{ eventId: `${run}-allbad-1` }, 42, null];
      const a = await post(h.url, '/v1/crashes', { events });
      assert.equal(a.status, 400);
      assert.equal(a.body.error, 'invalid_events');
      assert.deepEqual([a.body.accepted, a.body.rejected], [0, 3]);
      assert.deepEqual([...new Set(a.body.errors.map((e: { index: number }) => e.index))], [0, 1, 2]);
      const letters = (await read(h.topics.deadLetter)).filter((r) => r.headers[DLQ_HEADERS.source]?.startsWith('http:/v1/crashes'));
      assert.ok(letters.some((l) => l.value.toString() === `{"eventId":"${run}-allbad-1"}`));
      assert.ok(letters.some((l) => l.value.toString() === '42') && letters.some((l) => l.value.toString() === 'null'));
    });
  });
}
