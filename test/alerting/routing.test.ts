// Routing, outbox ordering and the retry table, without any I/O.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlerterCore } from '../../alerting/core/alerter-core.ts';
import { planDeliveries, type PagerRoute, type RoutingTargets } from '../../alerting/core/routing.ts';
import { Outbox } from '../../alerting/shell/outbox.ts';
import { classifyError, classifyStatus, parseRetryAfter, retryDelayMs } from '../../alerting/integrations/retry-table.ts';
import { dedupKey, PD_MAX_DEDUP_KEY_CHARS } from '../../alerting/integrations/pagerduty.ts';
import type { Notice } from '../../alerting/core/model.ts';
import { gapDecision, releaseDecision, T0 } from './support.ts';

const core = () => new AlerterCore({
  resolveAfterWindows: 1, staleAfterMs: 60_000, gapQuietMs: 60_000, retentionMs: 3_600_000, maxReleaseRings: 100,
  maxEvidenceBytes: 4096, regressionSeverity: 'warning', pipelineGapSeverity: 'error',
});
const targets = (keys: PagerRoute[]): RoutingTargets => ({ hasPagerKey: (route) => keys.includes(route), webhooks: ['deploy-bot'] });
const plan = (notices: Notice[], t: RoutingTargets) => notices.flatMap((n) => planDeliveries(n, t)).map((d) => `${d.integration}:${d.target}:${d.action}`);

describe('alerting routing', () => {
  it('pages release owners for a catastrophe and sends the halt to the topic, webhooks and PagerDuty change events', () => {
    const fx = core().apply([releaseDecision({ verdict: 'fail' })], T0 + 2000);
    assert.deepEqual(plan(fx.notices, targets(['release', 'pipeline'])), [
      'pagerduty:release:trigger', 'webhook:deploy-bot:post',
      'pagerduty:release:change', 'webhook:deploy-bot:post', 'signals_topic:signals:publish',
    ]);
  });

  it('pages the pipeline on-call for a telemetry gap, and never the release owners (even without a pipeline key)', () => {
    const fx = core().apply([gapDecision()], T0 + 2000);
    assert.deepEqual(plan(fx.notices, targets(['release', 'pipeline'])), ['pagerduty:pipeline:trigger', 'webhook:deploy-bot:post']);
    assert.deepEqual(plan(fx.notices, targets(['release'])), ['webhook:deploy-bot:post']);
  });

  it('sends an incident update to webhooks only (PagerDuty keeps the open alert)', () => {
    const c = core();
    c.apply([releaseDecision({ verdict: 'fail' })], T0 + 2000);
    const fx = c.apply([releaseDecision({ verdict: 'fail', ring: 'early', window: 1 })], T0 + 3000);
    const updates = fx.notices.filter((n) => n.type === 'incident.updated');
    assert.deepEqual(plan(updates, targets(['release'])), ['webhook:deploy-bot:post']);
  });
});

describe('alerting outbox', () => {
  it('sends a resolve only after its trigger is delivered, one at a time per order key', () => {
    const c = core();
    const opened = c.apply([releaseDecision({ verdict: 'fail' })], T0 + 2000).notices;
    const resolved = c.apply([releaseDecision({ verdict: 'pass', window: 1 })], T0 + 3000).notices;
    const outbox = new Outbox(100);
    const pd = [...opened, ...resolved].flatMap((n) => planDeliveries(n, targets(['release']))).filter((d) => d.integration === 'pagerduty');
    for (const d of outbox.prepare(pd, T0)) outbox.add(d);
    const first = outbox.due(T0, new Set(), 10);
    assert.deepEqual(first.map((d) => d.action), ['trigger', 'change'], 'trigger and change event: different order keys');
    outbox.retryAt(first[0].id, T0 + 5000);
    assert.deepEqual(outbox.due(T0 + 1000, new Set(), 10).map((d) => d.action), ['change'], 'the resolve waits behind the trigger');
    outbox.remove(first[0].id);
    assert.deepEqual(outbox.due(T0 + 1000, new Set(), 10).map((d) => d.action), ['change', 'resolve']);
  });

  it('is bounded and never prepares the same delivery twice', () => {
    const outbox = new Outbox(1);
    const notices = core().apply([releaseDecision({ verdict: 'fail' })], T0 + 2000).notices;
    const planned = notices.flatMap((n) => planDeliveries(n, targets(['release'])));
    const [d] = outbox.prepare(planned.slice(0, 1), T0);
    outbox.add(d);
    assert.equal(outbox.room(), 0);
    assert.equal(outbox.prepare(planned.slice(0, 1), T0).length, 0);
  });
});

describe('alerting retry table', () => {
  it('classifies answers: 2xx ok, 400 and other 4xx permanent, 408/429/5xx retried', () => {
    assert.deepEqual(classifyStatus(202, null, 0), { kind: 'ok' });
    assert.equal(classifyStatus(400, null, 0).kind, 'permanent');
    assert.deepEqual([classifyStatus(403, null, 0).kind, (classifyStatus(403, null, 0) as { reason: string }).reason], ['permanent', 'rejected']);
    assert.deepEqual(classifyStatus(429, '7', 0), { kind: 'retry', reason: 'rate_limited', status: 429, retryAfterMs: 7000 });
    assert.equal(classifyStatus(408, null, 0).kind, 'retry');
    assert.equal(classifyStatus(503, null, 0).kind, 'retry');
    assert.deepEqual(classifyError(Object.assign(new Error('t'), { name: 'TimeoutError' })), { kind: 'retry', reason: 'timeout' });
    assert.deepEqual(classifyError(new TypeError('fetch failed')), { kind: 'retry', reason: 'network' });
  });

  it('honours Retry-After (seconds or a date), capped by the largest backoff', () => {
    assert.equal(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000), 6000);
    const asked = { kind: 'retry' as const, reason: 'rate_limited' as const, retryAfterMs: 30_000 };
    assert.equal(retryDelayMs(asked, 0, { initialMs: 100, maxMs: 60_000 }, () => 0), 30_000);
    assert.equal(retryDelayMs(asked, 0, { initialMs: 100, maxMs: 5_000 }, () => 0), 5_000);
    assert.equal(retryDelayMs({ kind: 'retry', reason: 'server_error' }, 20, { initialMs: 100, maxMs: 5_000 }, () => 1), 5_000);
  });

  it('keeps PagerDuty dedup keys deterministic and within 255 characters', () => {
    const long = { id: `catastrophe|${'c'.repeat(128)}@${'v'.repeat(128)}`, episode: 1 };
    assert.equal(dedupKey(long), dedupKey({ ...long }));
    assert.ok(dedupKey(long).length <= PD_MAX_DEDUP_KEY_CHARS);
    assert.notEqual(dedupKey(long), dedupKey({ ...long, episode: 2 }));
  });
});
