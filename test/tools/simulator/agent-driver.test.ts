import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentDriver } from '../../../tools/simulator/agent-driver.ts';
import { retryAfterMs } from '../../../tools/simulator/retry-after.ts';
import { DriverMetrics } from '../../../tools/simulator/metrics.ts';
import { Registry } from 'prom-client';
import { fakeServer, json } from './helpers.ts';

const events = (n: number) => Array.from({ length: n }, (_, i) => ({ eventId: `e${i}` }));

test('429 with Retry-After, then 503, then 200: the batch gets through and Retry-After is honoured', async () => {
  const server = await fakeServer((_req, _body, res, n) => {
    if (n === 1) return json(res, 429, { error: 'rate_limited' }, { 'retry-after': '1' });
    if (n === 2) return json(res, 503, { error: 'overloaded' });
    json(res, 200, { accepted: 3, rejected: 0, errors: [] });
  });
  try {
    const registry = new Registry();
    const driver = new AgentDriver(server.url, { device: ['dev-token'] }, { backoffInitialMs: 50, backoffMaxMs: 100 }, { metrics: new DriverMetrics(registry) });
    const result = await driver.send('heartbeats', events(3));
    assert.equal(result.ok, true);
    assert.equal(server.requests.length, 3);
    const [first, second, third] = server.requests;
    assert.ok(second.atMs - first.atMs >= 950, `waited ${second.atMs - first.atMs} ms after Retry-After: 1`);
    assert.ok(third.atMs - second.atMs >= 20 && third.atMs - second.atMs < 900, `backoff ${third.atMs - second.atMs} ms`);
    assert.equal(first.path, '/v1/heartbeats');
    assert.equal(first.headers.authorization, 'Bearer dev-token');
    assert.deepEqual(JSON.parse(first.body), { events: events(3) });
    assert.equal(driver.stats.retries, 2);
    assert.equal(driver.stats.accepted, 3);
    assert.deepEqual(driver.stats.attempts, { ok: 1, rate_limited: 1, unavailable: 1, network: 0, refused: 0 });
    const exposition = await registry.metrics();
    assert.match(exposition, /ringwatch_simulator_http_attempts_total\{endpoint="heartbeats",outcome="rate_limited"\} 1/);
    assert.match(exposition, /ringwatch_simulator_events_total\{endpoint="heartbeats",outcome="accepted"\} 3/);
  } finally {
    await server.close();
  }
});

test('backoff grows exponentially with jitter, and attempts are bounded', async () => {
  const server = await fakeServer((_req, _body, res) => json(res, 503, { error: 'bus_unavailable' }));
  const waits: number[] = [];
  try {
    const driver = new AgentDriver(server.url, { device: ['t'] }, { maxAttempts: 5, backoffInitialMs: 100, backoffMaxMs: 400 },
      { sleep: async (ms) => { waits.push(ms); }, random: () => 1 });
    const result = await driver.send('crashes', events(2));
    assert.equal(result.ok, false);
    assert.equal(server.requests.length, 5);
    assert.deepEqual(waits, [100, 200, 400, 400]);
    assert.equal(driver.stats.failed, 2);
  } finally {
    await server.close();
  }
});

test('a 4xx is not retried; network errors are; the release token goes to deployments only', async () => {
  const server = await fakeServer((_req, _body, res) => json(res, 401, { error: 'unauthorized' }));
  try {
    const driver = new AgentDriver(server.url, { device: ['d'], release: 'rel-token' }, { backoffInitialMs: 1 });
    assert.equal((await driver.send('deployments', events(1))).status, 401);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].headers.authorization, 'Bearer rel-token');
  } finally {
    await server.close();
  }
  const dead = new AgentDriver(server.url, { device: ['d'] }, { maxAttempts: 3, backoffInitialMs: 1, backoffMaxMs: 2 });
  const r = await dead.send('heartbeats', events(1));
  assert.equal(r.status, 'network');
  assert.equal(dead.stats.attempts.network, 3);
});

test('queued events go out in batches within the concurrency limit; partial success counts rejections', async () => {
  let inFlight = 0;
  let most = 0;
  const server = await fakeServer((_req, body, res) => {
    inFlight++;
    most = Math.max(most, inFlight);
    const n = (JSON.parse(body) as { events: unknown[] }).events.length;
    setTimeout(() => {
      inFlight--;
      json(res, 200, { accepted: n - 1, rejected: 1, errors: [{ index: 0, path: '/sentAt', reason: 'future_timestamp' }] });
    }, 20);
  });
  try {
    const driver = new AgentDriver(server.url, { device: ['a', 'b'] }, { batchMaxEvents: 100, concurrency: 3 });
    driver.enqueue('heartbeats', events(1000));
    assert.equal(await driver.flush(10_000), true);
    assert.equal(server.requests.length, 10);
    assert.ok(most <= 3, `${most} requests in flight`);
    assert.equal(driver.stats.accepted, 990);
    assert.equal(driver.stats.rejected, 10);
    assert.equal(driver.stats.rejections[0], '/sentAt: future_timestamp');
    assert.deepEqual(new Set(server.requests.map((r) => r.headers.authorization)), new Set(['Bearer a', 'Bearer b']));
  } finally {
    await server.close();
  }
});

test('the queue is bounded: what does not fit is dropped and counted', async () => {
  const server = await fakeServer((_req, _body, res) => setTimeout(() => json(res, 200, {}), 50));
  try {
    const driver = new AgentDriver(server.url, { device: ['t'] }, { batchMaxEvents: 10, concurrency: 1, maxQueuedBatches: 2 });
    driver.enqueue('heartbeats', events(100));
    assert.equal(driver.stats.dropped, 70);
    await driver.flush(5000);
    assert.equal(driver.stats.accepted, 30);
  } finally {
    await server.close();
  }
});

test('Retry-After takes seconds or an HTTP date, capped; garbage falls back to backoff', () => {
  assert.equal(retryAfterMs('3', 0, 10_000), 3000);
  assert.equal(retryAfterMs('3600', 0, 10_000), 10_000);
  assert.equal(retryAfterMs(new Date(5000).toUTCString(), 1000, 10_000), 4000);
  assert.equal(retryAfterMs('soon', 0, 10_000), undefined);
  assert.equal(retryAfterMs(null, 0, 10_000), undefined);
});
