// The collector's shell on the memory bus: Kafka trouble (refused, hanging, backed up), rate limits,
// readiness, self-telemetry, the served OpenAPI document and log hygiene, as a client and an operator see them.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import type { BusProducer } from '../../common/bus/types.ts';
import { ManualClock } from '../../common/runtime/clock.ts';
import { heartbeat } from '../../tools/bench/ingest/events.ts';
import { buildOpenApi } from '../../collectors/openapi.ts';
import { DEVICE_TOKEN, RELEASE_TOKEN, get, post, startCollector, type Harness } from './support/harness.ts';

/** A bus whose writes never complete while `hang` is set: a broker that takes requests and never answers. */
class HangingBus extends MemoryBus {
  private waiting: (() => void)[] = [];
  override producer(): BusProducer {
    const inner = super.producer();
    return { ...inner, publish: () => new Promise<void>((resolve) => this.waiting.push(resolve)) };
  }
  /** Let the held writes complete (so the test can stop the collector). */
  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

const batch = (from: number, n = 3, runId = 'svc') => ({ events: Array.from({ length: n }, (_, i) => heartbeat(from + i, { runId })) });

describe('collector service (memory bus)', () => {
  let h: Harness | undefined;
  afterEach(async () => { await h?.stop(); h = undefined; });

  it('answers 503 with Retry-After while the bus refuses writes, is not ready, and takes events again afterwards', async () => {
    const bus = new MemoryBus();
    const clock = new ManualClock(Date.now());
    h = await startCollector({ bus, clock, collector: { retry_after_secs: 7 } });
    bus.failPublishWith = new Error('broker down');
    const a = await post(h.url, '/v1/heartbeats', batch(0));
    assert.deepEqual([a.status, a.body.error, a.headers['retry-after']], [503, 'bus_unavailable', '7']);
    assert.equal((await get(h.url, '/readyz')).status, 503);
    assert.equal(bus.records(h.topics.heartbeats).length, 0);
    bus.failPublishWith = undefined;
    const readyz = await get(h.url, '/readyz');
    assert.deepEqual([readyz.status, JSON.parse(readyz.text).checks.kafka_writes], [503, false], 'not ready for Retry-After after a failure');
    clock.advance(7001);
    assert.equal((await get(h.url, '/readyz')).status, 200, 'ready again by itself');
    assert.equal((await post(h.url, '/v1/heartbeats', batch(0))).status, 200);
    assert.equal(bus.records(h.topics.heartbeats).length, 3);
    const metrics = (await get(h.url, '/metrics')).text;
    assert.match(metrics, /ringwatch_collector_events_total\{signal="heartbeat",outcome="failed",reason="bus_unavailable"\} 3/);
  });

  it('answers 503 within the produce deadline when Kafka never acknowledges, and 503 at once when too much is waiting', async () => {
    const bus = new HangingBus();
    h = await startCollector({ bus, collector: { produce_timeout_ms: 300, max_pending_produce_bytes: 65536 } });
    const first = await post(h.url, '/v1/heartbeats', batch(0));
    assert.deepEqual([first.status, first.body.error, first.headers['retry-after']], [503, 'produce_timeout', '5']);
    assert.ok(first.ms >= 290 && first.ms < 1500, `answered after ${first.ms.toFixed(0)} ms`);
    const big = await post(h.url, '/v1/heartbeats', batch(100, 200));
    assert.deepEqual([big.status, big.body.error], [503, 'overloaded']);
    assert.ok(big.ms < 200, 'no waiting when the bound is reached');
    assert.equal((await get(h.url, '/readyz')).status, 503, 'not ready while a write is overdue');
    bus.release();
  });

  it('limits requests per device token and per source address with 429 and the seconds until a retry succeeds', async () => {
    const clock = new ManualClock(Date.now());
    h = await startCollector({ clock, collector: { rate_limit_device_per_sec: 1, rate_limit_burst: 2, rate_limit_source_per_sec: 100000 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(h.url, '/v1/heartbeats', batch(i * 10, 1))).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    const limited = await post(h.url, '/v1/heartbeats', batch(50, 1));
    assert.deepEqual([limited.body.error, limited.headers['retry-after']], ['rate_limited', '1']);
    assert.equal((await post(h.url, '/v1/heartbeats', batch(60, 1), { token: 'dev-token-second-device-000000' })).status, 200, 'another device has its own bucket');
    clock.advance(1000);
    assert.equal((await post(h.url, '/v1/heartbeats', batch(70, 1))).status, 200, 'the bucket refills with time');
  });

  it('limits a source address taken from X-Forwarded-For when configured to', async () => {
    h = await startCollector({ collector: { source_from_forwarded_for: true, rate_limit_source_per_sec: 1, rate_limit_source_burst: 1 } });
    const from = (ip: string) => post(h!.url, '/v1/heartbeats', batch(Math.floor(Math.random() * 1e6), 1), { headers: { 'x-forwarded-for': `10.0.0.1, ${ip}` } });
    assert.deepEqual([(await from('192.0.2.1')).status, (await from('192.0.2.1')).status, (await from('192.0.2.2')).status], [200, 429, 200]);
  });

  it('refuses a chunked body that grows past max_body_bytes while it is read', async () => {
    h = await startCollector({ collector: { max_body_bytes: 4096 } });
    const url = new URL('/v1/heartbeats', h.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${DEVICE_TOKEN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err); });
      const timer = setInterval(() => req.write(Buffer.alloc(1024, 0x20)), 5);
      req.on('close', () => clearInterval(timer));
    });
    assert.equal(status, 413);
  });

  it('exposes its counters pre-initialised, with accepted and rejected events by signal and reason', async () => {
    h = await startCollector();
    const before = await get(h.url, '/metrics');
    assert.match(before.type ?? '', /text\/plain/);
    assert.match(before.text, /ringwatch_collector_events_total\{signal="crash",outcome="rejected",reason="future_timestamp"\} 0/);
    assert.match(before.text, /ringwatch_collector_requests_total\{route="\/v1\/deployments",reason="rate_limited"\} 0/);
    await post(h.url, '/v1/heartbeats', { events: [heartbeat(1, { runId: 'm' }), { nope: 1 }] });
    const text = (await get(h.url, '/metrics')).text;
    assert.match(text, /ringwatch_collector_events_total\{signal="heartbeat",outcome="accepted",reason="ok"\} 1/);
    assert.match(text, /ringwatch_collector_events_total\{signal="heartbeat",outcome="rejected",reason="invalid_field"\} 1/);
    assert.match(text, /ringwatch_collector_requests_total\{route="\/v1\/heartbeats",reason="partial"\} 1/);
    assert.match(text, /ringwatch_collector_produce_duration_seconds_count\{topic="heartbeats",outcome="ok"\} 1/);
    assert.match(text, /ringwatch_collector_request_duration_seconds_count\{route="\/v1\/heartbeats",code="200"\} 1/);
  });

  it('serves its OpenAPI document with the limits it runs with, and never its tokens', async () => {
    h = await startCollector({ collector: { max_events_per_batch: 77 } });
    const text = (await get(h.url, '/openapi.json')).text;
    for (const token of [DEVICE_TOKEN, RELEASE_TOKEN]) assert.ok(!text.includes(token));
    const doc = JSON.parse(text);
    assert.deepEqual(doc, JSON.parse(JSON.stringify(buildOpenApi(h.config.collector))));
    assert.equal(doc.components.schemas.HeartbeatBatch.properties.events.maxItems, 77);
  });

  it('warns at start-up about credentials that can speak for any device, without printing them', async () => {
    const secret = 'hs256-secret-for-the-whole-fleet-0123456789';
    h = await startCollector({ collector: { device_tokens: [], device_jwt: { issuer: 'https://id.example', audience: 'rw', algorithms: ['HS256'], hs256_secret: secret } } });
    const logs = h.logs.join('');
    assert.match(logs, /device JWTs accept HS256 with a shared secret/);
    assert.doesNotMatch(logs, /shared device tokens are configured/, 'no shared device token here');
    assert.ok(!logs.includes(secret));
    await h.stop();
    h = await startCollector();
    assert.match(h.logs.join(''), /shared device tokens are configured/);
  });

  it('writes no token and no payload content to any log line', async () => {
    const bus = new MemoryBus();
    h = await startCollector({ bus, collector: { produce_timeout_ms: 200 } });
    const marker = 'SECRET-PAYLOAD-MARKER';
    const event = { ...heartbeat(1, { runId: marker }), os: marker };
    await post(h.url, '/v1/heartbeats', { events: [event, { ...event, extra: marker }] });
    await post(h.url, '/v1/heartbeats', `{"events":[${marker}`);
    await post(h.url, '/v1/heartbeats', { events: [event] }, { token: `${marker}-token` });
    await post(h.url, '/v1/deployments', { events: [{ x: marker }] }, { token: RELEASE_TOKEN });
    bus.failPublishWith = new Error(`broker said ${marker}`.replace(marker, 'no'));
    await post(h.url, '/v1/heartbeats', { events: [event] });
    const logs = h.logs.join('');
    assert.ok(h.logs.length > 0, 'the collector does log');
    for (const secret of [marker, DEVICE_TOKEN, RELEASE_TOKEN]) assert.ok(!logs.includes(secret), `${secret} is not in the logs`);
  });
});
