// Scores replayed runs against their ground truth (each release's effect in the scenario: catastrophic and
// crash_rate are bad, healthy is good). Pure. Definitions (docs/detection-quality.md):
// - recall: bad releases paged about (a page naming exactly that component and version) / bad releases;
// - precision: release pages naming a bad release of their run / all release pages;
// - delay: from the release's start in its first ring (the onset) to its first page, and to its halt;
// - false pages: release pages naming no bad release of their run; per simulated week (604,800 s) counted
//   over runs with no bad release at all (a healthy fleet), so a short bad run cannot inflate the rate;
// - release pages in outage runs: release pages in runs with a collector outage (all releases there are
//   healthy, so each one is a page the outage caused) - must be 0;
// - blast radius: devices that received a bad release (fixed at the halt), and whether it stayed in its
//   first ring; attribution: detected bad releases whose FIRST release page in the run names them.
import type { ReleaseSummary } from '../../simulator/summary.ts';
import type { RunRecord } from './detection-run.ts';

const WEEK_SECS = 604_800;

export interface FamilyScore {
  family: string;
  runs: number;
  simulatedSecs: number;
  events: number;
  wallMs: number;
  badReleases: number;
  detected: number;
  releasePages: number;
  truePages: number;
  falsePages: number;
  /** Simulated time and release pages of runs without any bad release (the false-alarm rate's basis). */
  healthySecs: number;
  healthyPages: number;
  pageDelaysSecs: number[];
  haltDelaysSecs: number[];
  stoppedInFirstRing: number;
  blastRadius: number[];
  attributedRight: number;
  outageRuns: number;
  releasePagesInOutages: number;
  pipelinePages: number;
}

const isBad = (r: ReleaseSummary) => r.effect !== 'healthy';
const sameRelease = (a: { component: string; version: string } | undefined, r: ReleaseSummary) => a?.component === r.component && a?.version === r.version;

export function emptyScore(family: string): FamilyScore {
  return {
    family, runs: 0, simulatedSecs: 0, events: 0, wallMs: 0, badReleases: 0, detected: 0, releasePages: 0, truePages: 0, falsePages: 0, healthySecs: 0, healthyPages: 0,
    pageDelaysSecs: [], haltDelaysSecs: [], stoppedInFirstRing: 0, blastRadius: [], attributedRight: 0, outageRuns: 0, releasePagesInOutages: 0, pipelinePages: 0,
  };
}

export function addRun(score: FamilyScore, rec: RunRecord, hasOutage: boolean): void {
  const { summary } = rec;
  const releasePages = rec.pages.filter((p) => p.kind !== 'pipeline_gap');
  const bad = summary.releases.filter(isBad);
  score.runs++;
  score.simulatedSecs += rec.simulatedSecs;
  score.events += rec.events;
  score.wallMs += rec.wallMs;
  score.releasePages += releasePages.length;
  score.pipelinePages += rec.pages.length - releasePages.length;
  const truePages = releasePages.filter((p) => bad.some((r) => sameRelease(p.release, r))).length;
  score.truePages += truePages;
  score.falsePages += releasePages.length - truePages;
  if (!bad.length) {
    score.healthySecs += rec.simulatedSecs;
    score.healthyPages += releasePages.length;
  }
  if (hasOutage) {
    score.outageRuns++;
    score.releasePagesInOutages += releasePages.length;
  }
  for (const r of bad) {
    score.badReleases++;
    const started = summary.actions.find((a) => sameRelease(a, r) && a.action === 'started');
    const page = releasePages.find((p) => sameRelease(p.release, r));
    score.blastRadius.push(r.exposure.total);
    const reached = Object.entries(r.exposure.byRing).filter(([, n]) => n > 0).map(([ring]) => ring);
    if (r.haltReason === 'verdict_fail' && reached.every((ring) => ring === started?.ring)) score.stoppedInFirstRing++;
    if (!page || !started) continue;
    score.detected++;
    score.pageDelaysSecs.push((page.atMs - started.atMs) / 1000);
    if (r.haltedAtMs !== undefined) score.haltDelaysSecs.push((r.haltedAtMs - started.atMs) / 1000);
    if (sameRelease(releasePages[0]?.release, r)) score.attributedRight++;
  }
}

export function mergeScores(name: string, scores: FamilyScore[]): FamilyScore {
  const total = emptyScore(name);
  for (const s of scores) {
    for (const key of Object.keys(total) as (keyof FamilyScore)[]) {
      const v = s[key];
      if (typeof v === 'number') (total[key] as number) += v;
      else if (Array.isArray(v)) (total[key] as number[]).push(...v);
    }
  }
  return total;
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const ratio = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(0)}% (${n}/${of})` : 'n/a');
const spread = (v: number[], unit: string) => (v.length ? `${[50, 90, 100].map((p) => percentile(v, p)!.toFixed(1)).join(' / ')} ${unit}` : 'n/a');
const simTime = (secs: number) => (secs >= WEEK_SECS ? `${(secs / WEEK_SECS).toFixed(1)} wk` : secs >= 3600 ? `${(secs / 3600).toFixed(1)} h` : `${(secs / 60).toFixed(0)} min`);

export const TABLE_HEADER = ['family', 'runs', 'simulated', 'recall', 'precision', 'delay to page (med / p90 / max)', 'delay to halt (med / p90 / max)',
  'stopped in first ring', 'blast radius (med / max devices)', 'attribution', 'false pages', 'false pages / sim. week (healthy runs)', 'release pages in outages', 'pipeline pages'];

export function tableRow(s: FamilyScore): string[] {
  const weeks = s.healthySecs / WEEK_SECS;
  return [
    s.family, String(s.runs), simTime(s.simulatedSecs), ratio(s.detected, s.badReleases), ratio(s.truePages, s.releasePages),
    spread(s.pageDelaysSecs, 's'), spread(s.haltDelaysSecs, 's'), ratio(s.stoppedInFirstRing, s.badReleases),
    s.blastRadius.length ? `${percentile(s.blastRadius, 50)} / ${percentile(s.blastRadius, 100)}` : 'n/a', ratio(s.attributedRight, s.detected),
    String(s.falsePages),
    s.healthySecs ? `${(s.healthyPages / weeks).toFixed(s.healthyPages ? 1 : 0)} (${s.healthyPages} in ${simTime(s.healthySecs)})` : 'n/a',
    s.outageRuns ? `${s.releasePagesInOutages} in ${s.outageRuns} runs` : 'n/a', String(s.pipelinePages),
  ];
}

export function markdownTable(rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(TABLE_HEADER), line(TABLE_HEADER.map(() => '---')), ...rows.map(line)].join('\n');
}
