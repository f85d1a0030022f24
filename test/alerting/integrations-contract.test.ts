// One contract, every outbound HTTP integration: PagerDuty trigger / resolve / change events
// and the signed webhook, each against a local fake receiver. Retry table (202, 400, 429 + Retry-After,
// 500, 503, timeout, connection refused), size limits, and no secret in any error or log line.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { buildConfig } from '../../app/config.ts';
import { systemClock } from '../../common/runtime/clock.ts';
import { AlerterCore } from '../../alerting/core/alerter-core.ts';
import { DeliveryWorker } from '../../alerting/shell/delivery-worker.ts';
import { AlertingMetrics } from '../../alerting/shell/metrics.ts';
import { Outbox } from '../../alerting/shell/outbox.ts';
import { planDeliveries, type PlannedDelivery } from '../../alerting/core/routing.ts';
import { createSenders } from '../../alerting/integrations/senders.ts';
import { PD_MAX_EVENT_BYTES, PD_MAX_SUMMARY_CHARS } from '../../alerting/integrations/pagerduty.ts';
import { verifySignature } from '../../alerting/integrations/webhook.ts';
import type { Notice } from '../../alerting/core/model.ts';
import { capturingLogger, FakeReceiver, releaseDecision, sleepMs, T0, waitFor, type Answer, type Received } from './support.ts';

const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY32';
const HMAC_KEY = 'hmac-secret-never-logged-7f3a';
const PATH_TOKEN = 'T0KEN-IN-WEBHOOK-PATH-91c2';
const SECRETS = [ROUTING_KEY, HMAC_KEY, PATH_TOKEN];

function notices(summary = 'silent devices', evidence?: Record<string, unknown>): { opened: Notice[]; resolved: Notice[] } {
  const core = new AlerterCore({
    resolveAfterWindows: 1, staleAfterMs: 60_000, gapQuietMs: 60_000, retentionMs: 3_600_000, maxReleaseRings: 100,
    maxEvidenceBytes: 4 * 1024 * 1024, regressionSeverity: 'warning', pipelineGapSeverity: 'error',
  });
  const opened = core.apply([releaseDecision({ verdict: 'fail', summary, evidence })], T0 + 2000).notices;
  const resolved = core.apply([releaseDecision({ verdict: 'pass', window: 1 })], T0 + 3000).notices;
  return { opened, resolved };
}

interface Case {
  name: string;
  path: string;
  plan(n: ReturnType<typeof notices>): PlannedDelivery;
  check(r: Received): void;
}

const pick = (list: Notice[], integration: string, action: string) => list
  .flatMap((n) => planDeliveries(n, { hasPagerKey: () => true, webhooks: ['deploy-bot'] }))
  .find((d) => d.integration === integration && d.action === action) as PlannedDelivery;

const CASES: Case[] = [
  {
    name: 'pagerduty trigger', path: '/v2/enqueue', plan: (n) => pick(n.opened, 'pagerduty', 'trigger'),
    check: (r) => {
      const e = r.json();
      assert.equal(e.event_action, 'trigger');
      assert.equal(e.routing_key, ROUTING_KEY);
      assert.equal(e.payload.severity, 'critical');
      assert.match(e.dedup_key, /^ringwatch\|catastrophe\|channel-291@/);
      assert.ok(e.payload.custom_details.evidence.updated, 'evidence in custom_details');
      assert.equal(e.client_url, 'https://board.ringwatch.example/board/releases/channel-291/2024.07.19-0409/canary');
      assert.deepEqual(e.links.map((l: { href: string }) => l.href), ['https://ringwatch.example/v1/verdicts/channel-291/2024.07.19-0409?ring=canary', e.client_url]);
    },
  },
  {
    name: 'pagerduty resolve', path: '/v2/enqueue', plan: (n) => pick(n.resolved, 'pagerduty', 'resolve'),
    check: (r) => assert.deepEqual(Object.keys(r.json()).sort(), ['dedup_key', 'event_action', 'routing_key']),
  },
  {
    name: 'pagerduty change event', path: '/v2/change/enqueue', plan: (n) => pick(n.opened, 'pagerduty', 'change'),
    check: (r) => {
      const e = r.json();
      assert.match(e.payload.summary, /halted \(rollback recommended\) on ring canary/);
      assert.equal(e.payload.custom_details.ring, 'canary');
    },
  },
  {
    name: 'webhook', path: `/hooks/${PATH_TOKEN}`, plan: (n) => pick(n.opened, 'webhook', 'post'),
    check: (r) => {
      assert.ok(verifySignature(HMAC_KEY, r.headers, r.body, Date.now()), 'signature verifies');
      assert.ok(!verifySignature(HMAC_KEY, r.headers, r.body.replace('canary', 'canarx'), Date.now()), 'a changed body does not');
      const p = r.json();
      assert.equal(p.version, '1');
      assert.equal(p.type, 'incident.opened');
      assert.equal(r.headers['x-ringwatch-event-id'], p.id);
    },
  },
];

async function counter(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return Number(value?.value ?? 0);
}

const openLines: string[][] = [];

async function deliver(c: Case, receiver: FakeReceiver, port: number, n = notices()) {
  const { logger, lines } = capturingLogger();
  openLines.push(lines);
  const registry = new Registry();
  const settings = buildConfig({
    alerting: {
      pagerduty_url: `http://127.0.0.1:${port}`, pagerduty_release_routing_key: ROUTING_KEY, public_url: 'https://ringwatch.example', board_public_url: 'https://board.ringwatch.example',
      webhooks: [{ name: 'deploy-bot', url: `http://127.0.0.1:${port}/hooks/${PATH_TOKEN}`, hmac_secret: HMAC_KEY }],
      request_timeout_ms: 300, retry_initial_delay_ms: 50, max_retry_delay_ms: 5000,
    },
  }, {}).alerting;
  const outbox = new Outbox(10);
  const metrics = new AlertingMetrics(registry, { openIncidents: () => [], pending: (i) => outbox.pendingBy(i), active: () => true });
  const forgotten: string[] = [];
  const producer = { start: async () => {}, stop: async () => {}, publish: async () => {} };
  const worker = new DeliveryWorker({
    outbox, senders: createSenders({ settings, producer, signalsTopic: 'signals', now: Date.now }),
    forget: async (ids) => { forgotten.push(...ids); }, metrics, logger, clock: systemClock,
    backoff: { initialMs: settings.retry_initial_delay_ms, maxMs: settings.max_retry_delay_ms }, concurrency: 2,
  });
  const [delivery] = outbox.prepare([c.plan(n)], Date.now());
  outbox.add(delivery);
  await worker.start();
  const done = () => waitFor('delivery settled', () => outbox.size === 0 && forgotten.length === 1, 15_000);
  const kind = delivery.notice.type === 'signal.halt' ? 'ringwatch_alerting_signals_total' : 'ringwatch_alerting_pages_total';
  const count = (outcome: string, reason: string) => counter(registry, kind, { integration: delivery.integration, outcome, reason });
  return { worker, outbox, done, count, lines, received: () => receiver.on(c.path) };
}

/** Answers `first` to the first `times` requests, then 202. */
const thenAccept = (first: Answer, times: number) => (r: Received, all: Received[]) => (all.indexOf(r) < times ? first : { status: 202 });

for (const c of CASES) {
  describe(`outbound contract: ${c.name}`, () => {
    const receiver = new FakeReceiver();
    const scenario = async (answer: (r: Received, all: Received[]) => Answer) => {
      receiver.requests.length = 0;
      receiver.respond = (r) => answer(r, receiver.on(c.path));
      if (!receiver.port) await receiver.start();
      return deliver(c, receiver, receiver.port);
    };
    after(() => receiver.stop());

    it('202: delivered once, with the documented shape', async () => {
      const h = await scenario(() => ({ status: 202 }));
      await h.done();
      await h.worker.stop();
      assert.equal(h.received().length, 1);
      c.check(h.received()[0]);
      assert.equal(await h.count('sent', 'ok'), 1);
    });

    it('400: refused for good, never retried, counted as failed', async () => {
      const h = await scenario(() => ({ status: 400 }));
      await h.done();
      await sleepMs(300);
      await h.worker.stop();
      assert.equal(h.received().length, 1);
      assert.equal(await h.count('failed', 'bad_request'), 1);
    });

    it('429 with Retry-After: waits at least that long, then delivers', async () => {
      const h = await scenario(thenAccept({ status: 429, headers: { 'retry-after': '1' } }, 1));
      const started = Date.now();
      await h.done();
      await h.worker.stop();
      assert.equal(h.received().length, 2);
      assert.ok(Date.now() - started >= 950, 'honoured Retry-After: 1');
      assert.equal(await h.count('retried', 'rate_limited'), 1);
    });

    for (const status of [500, 503]) {
      it(`${status}: retried with backoff until delivered`, async () => {
        const h = await scenario(thenAccept({ status }, 3));
        await h.done();
        await h.worker.stop();
        assert.equal(h.received().length, 4);
        assert.equal(await h.count('retried', 'server_error'), 3);
        assert.equal(await h.count('sent', 'ok'), 1);
      });
    }

    it('timeout: an unanswered request is abandoned after request_timeout_ms and retried', async () => {
      const h = await scenario(thenAccept('hang', 1));
      await h.done();
      await h.worker.stop();
      assert.equal(h.received().length, 2);
      assert.equal(await h.count('retried', 'timeout'), 1);
    });

    it('connection refused: retried until the receiver is up', async () => {
      const down = new FakeReceiver();
      await down.start();
      const port = down.port;
      await down.stop();
      const h = await deliver(c, down, port);
      await waitFor('a refused attempt', async () => (await h.count('retried', 'network')) >= 2);
      await down.start(port);
      await h.done();
      await h.worker.stop();
      await down.stop();
      assert.equal(down.on(c.path).length, 1);
    });
  });
}

describe('outbound contract: size limits', () => {
  it('cuts a PagerDuty summary to 1024 characters and an event to 512 KB', async () => {
    const receiver = await new FakeReceiver().start();
    try {
      const big = notices('s'.repeat(5000), { updated: { exposed: 5, affected: 5 }, blob: 'x'.repeat(700 * 1024) });
      const h = await deliver(CASES[0], receiver, receiver.port, big);
      await h.done();
      await h.worker.stop();
      const [r] = receiver.on('/v2/enqueue');
      assert.ok(Buffer.byteLength(r.body) <= PD_MAX_EVENT_BYTES, `event is ${Buffer.byteLength(r.body)} bytes`);
      assert.equal(r.json().payload.summary.length, PD_MAX_SUMMARY_CHARS);
      assert.equal(r.json().payload.custom_details.evidence.truncated, true);
    } finally {
      await receiver.stop();
    }
  });
});

describe('outbound contract: secrets', () => {
  it('wrote no routing key, HMAC key or webhook URL token into any log line', () => {
    const all = openLines.flat();
    assert.ok(all.length > 20, `logs were captured (${all.length} lines)`);
    for (const secret of SECRETS) {
      const leak = all.find((l) => l.includes(secret));
      assert.equal(leak, undefined, `secret in a log line: ${leak}`);
    }
  });
});
