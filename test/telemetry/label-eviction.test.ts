// Bounded labels that follow the present: 1,000 releases roll through the processor's and the alerter's
// metrics with a small telemetry.label_cardinality_limit; the newest are still labelled by their version,
// the series of evicted and forgotten ones are gone, and every eviction is counted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { LabelLimiter, OTHER_LABEL } from '../../common/telemetry/metrics.ts';
import { ProcessorMetrics } from '../../processors/shell/metrics.ts';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { capturingLogger, FakeReceiver, releaseDecision, waitFor } from '../alerting/support.ts';
import { alertingSettings, decisionRecords, startAlerter } from '../alerting/harness.ts';

const RELEASES = 1000;
const LIMIT = 20;
const version = (i: number) => `2024.07.${String(i).padStart(4, '0')}`;

/** Labels (and `value`) of every series of `name` in an exposition. */
function series(text: string, name: string): Record<string, string>[] {
  return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))]
    .map((m) => ({ ...Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]])), value: m[2] }));
}

const counter = (text: string, name: string, label: string) =>
  Number(new RegExp(`^${name}\\{label="${label}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');

describe('LabelLimiter', () => {
  it('evicts the least recently used value for a new one, and folds only within one full round', () => {
    const limiter = new LabelLimiter(new Registry(), 2);
    limiter.nextRound();
    assert.equal(limiter.value('version', 'a'), 'a');
    assert.equal(limiter.value('version', 'b'), 'b');
    assert.equal(limiter.value('version', 'c'), OTHER_LABEL, 'a third value in the same round folds');
    limiter.nextRound();
    assert.equal(limiter.value('version', 'b'), 'b');
    assert.equal(limiter.value('version', 'c'), 'c', 'a new round: c evicts a, the least recently used');
    assert.deepEqual(limiter.values('version'), ['b', 'c']);
  });
});

describe('processor release gauges over 1,000 releases', () => {
  it('keep the newest labelled by version and drop the series of evicted and forgotten releases', async () => {
    const registry = new Registry();
    const metrics = new ProcessorMetrics(registry, new LabelLimiter(registry, LIMIT));
    const t0 = Date.now();
    // Each judged window sees the release that rolls out now and the four before it (still judged), plus
    // a long-lived agent release that is judged throughout.
    for (let i = 0; i < RELEASES; i++) {
      const live = [i - 4, i - 3, i - 2, i - 1, i].filter((n) => n >= 0);
      metrics.observe([
        releaseDecision({ component: 'agent', version: '7.16.1', window: i }, t0),
        ...live.map((n) => releaseDecision({ component: 'channel-291', version: version(n), window: i, verdict: n === i ? 'fail' : 'pass' }, t0)),
      ]);
    }
    const text = await registry.metrics();
    for (const name of ['ringwatch_processor_verdict', 'ringwatch_processor_statistic', 'ringwatch_processor_threshold', 'ringwatch_processor_affected_devices', 'ringwatch_processor_exposed_devices']) {
      const versions = new Set(series(text, name).map((l) => l.version));
      assert.deepEqual([...versions].sort(), ['7.16.1', ...[995, 996, 997, 998, 999].map(version)].sort(), `${name}: the judged releases only`);
    }
    const newest = series(text, 'ringwatch_processor_verdict').find((l) => l.version === version(RELEASES - 1));
    assert.equal(newest?.component, 'channel-291', 'release 1,000 is labelled by its version');
    assert.doesNotMatch(text, new RegExp(`version="${version(0)}"`), 'the first release left no series');
    assert.doesNotMatch(text, /version="other"/, 'nothing folded: never more than the limit at once');
    assert.equal(counter(text, 'ringwatch_metric_label_values_evicted_total', 'version'), RELEASES + 1 - LIMIT);
    assert.equal(counter(text, 'ringwatch_metric_label_values_folded_total', 'version'), 0);
  });
});

describe('alerter release gauges over 1,000 releases', () => {
  const pager = new FakeReceiver();
  const hooks = new FakeReceiver();
  const bus = new MemoryBus();
  let alerter: Awaited<ReturnType<typeof startAlerter>>;

  before(async () => {
    await pager.start();
    await hooks.start();
    alerter = await startAlerter({
      logger: capturingLogger('warn').logger, bus,
      config: {
        bus: { kind: 'memory' }, collector: { auth_enabled: false }, telemetry: { label_cardinality_limit: LIMIT },
        // The verdict table itself forgets: at most 100 release-rings, least recently decided first.
        alerting: alertingSettings(pager, hooks, { max_tracked_release_rings: 100 }),
      },
    });
  });

  after(async () => {
    await alerter.stop();
    await pager.stop();
    await hooks.stop();
  });

  it('label the most recently decided releases by version; forgotten and evicted ones have no series', async () => {
    const t0 = Date.now() - RELEASES * 1000 - 5000;
    const scrape = async () => (await fetch(`${alerter.url}/metrics`)).text();
    // Polled on the counter itself: a scrape is a round of the limiter, and only the one after each batch should run.
    const applied = async () => {
      const metric = await alerter.registry.getSingleMetric('ringwatch_alerting_decisions_total')!.get();
      return metric.values.find((v) => v.labels.outcome === 'applied')?.value ?? 0;
    };
    let text = '';
    // 100 new releases at a time, each batch scraped as Prometheus would between them.
    for (let i = 0; i < RELEASES; i += 100) {
      await alerter.context.producer.publish(alerter.context.topics.decisions, decisionRecords(
        Array.from({ length: 100 }, (_, k) => releaseDecision({ component: 'channel-291', version: version(i + k), window: i + k }, t0)),
      ));
      await waitFor(`batch ${i / 100 + 1} applied`, async () => (await applied()) >= i + 100);
      text = await scrape();
      const labelled = series(text, 'ringwatch_release_verdict').filter((l) => l.verdict === 'pass').map((l) => l.version);
      assert.deepEqual(labelled.filter((v) => v !== OTHER_LABEL).sort(), Array.from({ length: LIMIT }, (_, k) => version(i + 100 - LIMIT + k)),
        `after batch ${i / 100 + 1}: the newest ${LIMIT} releases, by version`);
      assert.equal(labelled.filter((v) => v === OTHER_LABEL).length, 1, 'the other tracked release-rings share one "other" series');
    }
    assert.doesNotMatch(text, new RegExp(`version="${version(0)}"`), 'the first release left no series');
    assert.doesNotMatch(text, new RegExp(`version="${version(RELEASES - LIMIT - 1)}"`), 'nor did the newest evicted one');
    const folded = series(text, 'ringwatch_release_exposed_devices').find((l) => l.version === OTHER_LABEL && l.group === 'updated');
    assert.equal(folded?.value, String((100 - LIMIT) * 50), 'folded counts add up (80 release-rings of 50 updated devices)');
    assert.equal(counter(text, 'ringwatch_metric_label_values_evicted_total', 'version'), (RELEASES / 100 - 1) * LIMIT, 'each batch evicts the previous newest');
  });
});
