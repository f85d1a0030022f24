// Per ring and release gauges, computed from the verdict table at scrape time (so a verdict that goes
// stale shows without any decision arriving). Names and labels per integrations.md: exposures are
// numerator / denominator pairs (divide in PromQL, sum before dividing), verdict is a 0/1 gauge with one
// series per verdict value, so Argo Rollouts' prometheus provider can gate on `...{verdict="fail"} == 1`.
// ring / component / version go through the LabelLimiter, one round per scrape: gauges are reset and
// refilled, so forgotten and evicted releases leave no series; beyond the limit in one scrape, the least
// recently decided fold into "other" (counts add up and the worst verdict wins).
import { Gauge, type Registry } from 'prom-client';
import { VERDICTS, type Exposure, type Verdict } from '../../common/contract/decision.ts';
import type { LabelLimiter } from '../../common/telemetry/metrics.ts';
import { worseVerdict, type VerdictView } from '../core/verdicts.ts';

type Labels = Record<string, string>;

/** Sums (or otherwise merges) values that land on the same label set, then sets the gauge. */
class Series {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  add(labels: Labels, value: number, merge: (a: number, b: number) => number = (a, b) => a + b): void {
    const key = JSON.stringify(labels);
    const prev = this.values.get(key);
    this.values.set(key, { labels, value: prev ? merge(prev.value, value) : value });
  }
  writeTo(g: Gauge<string>): void {
    g.reset();
    for (const { labels, value } of this.values.values()) g.set(labels, value);
  }
}

/** Most recently decided first (ISO times compare as strings); release-rings without data last. */
const newestFirst = (views: VerdictView[]): VerdictView[] =>
  [...views].sort((a, b) => ((b.windowEnd ?? '') > (a.windowEnd ?? '') ? 1 : (b.windowEnd ?? '') < (a.windowEnd ?? '') ? -1 : 0));

const isExposure = (v: unknown): v is Exposure =>
  typeof v === 'object' && v !== null && Number.isFinite((v as Exposure).exposed) && Number.isFinite((v as Exposure).affected);

export function registerReleaseMetrics(registry: Registry, limiter: LabelLimiter, views: () => VerdictView[]): void {
  const gauge = (name: string, help: string, labelNames: string[], collect?: () => void) =>
    new Gauge({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) });
  const release = ['ring', 'component', 'version'];
  const cell = [...release, 'signal', 'layer'];
  const verdict = gauge('ringwatch_release_verdict', 'Verdict per ring and release: 1 on the series of the current verdict (pass, fail, inconclusive), 0 on the others.', [...release, 'verdict'], () => fill());
  const affected = gauge('ringwatch_release_affected_devices', 'Devices showing the signal in the latest window, among the updated devices or the control (numerator of the ratio).', [...cell, 'group']);
  const exposed = gauge('ringwatch_release_exposed_devices', 'Devices that could show the signal in the latest window, updated or control (denominator of the ratio).', [...cell, 'group']);
  const statistic = gauge('ringwatch_release_statistic', 'Test statistic of the latest decision per cell.', cell);
  const threshold = gauge('ringwatch_release_threshold', 'Threshold the statistic is compared with.', cell);
  const decided = gauge('ringwatch_release_last_decision_timestamp_seconds', 'End of the newest decision window per ring and release.', release);

  // The verdict gauge is registered first, so its collect runs first on every scrape and fills all of them:
  // they then describe the same moment.
  const fill = () => {
    const s = { affected: new Series(), exposed: new Series(), statistic: new Series(), threshold: new Series(), decided: new Series() };
    const worst = new Map<string, { labels: Labels; verdict: Verdict }>();
    const latest = (a: number) => a; // views come newest first
    // One scrape is one round of the limiter; the most recently decided releases take the labels first.
    limiter.nextRound();
    for (const v of newestFirst(views())) {
      const r = { ring: limiter.value('ring', v.ring), component: limiter.value('component', v.release.component), version: limiter.value('version', v.release.version) };
      const key = JSON.stringify(r);
      worst.set(key, { labels: r, verdict: worseVerdict(worst.get(key)?.verdict ?? 'pass', v.verdict) });
      if (v.windowEnd) s.decided.add(r, Date.parse(v.windowEnd) / 1000, Math.max);
      for (const c of v.cells) {
        const labels = { ...r, signal: c.signal || 'none', layer: c.layer };
        for (const group of ['updated', 'control'] as const) {
          const e = c.evidence[group];
          if (!isExposure(e)) continue;
          s.affected.add({ ...labels, group }, e.affected);
          s.exposed.add({ ...labels, group }, e.exposed);
        }
        if (Number.isFinite(c.evidence.statistic)) s.statistic.add(labels, c.evidence.statistic as number, latest);
        if (Number.isFinite(c.evidence.threshold)) s.threshold.add(labels, c.evidence.threshold as number, latest);
      }
    }
    verdict.reset();
    for (const { labels, verdict: current } of worst.values()) {
      for (const value of VERDICTS) verdict.set({ ...labels, verdict: value }, value === current ? 1 : 0);
    }
    s.affected.writeTo(affected);
    s.exposed.writeTo(exposed);
    s.statistic.writeTo(statistic);
    s.threshold.writeTo(threshold);
    s.decided.writeTo(decided);
  };
}
