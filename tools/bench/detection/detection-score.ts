// Scores replayed runs against their ground truth (each release's effect in the scenario: catastrophic and
// crash_rate are bad, healthy is good). Pure. Definitions (docs/detection-quality.md):
// - recall: bad releases paged about (a page naming exactly that component and version; for a change with
//   no rollout record, any release page after its start) / bad releases;
// - false passes: bad releases that got a `pass` verdict on any ring at any time after their start (the
//   verdict probe of detection-run.ts: what a release tool reading the API would have seen) - must be 0;
// - time to fail: from the release's start in its first ring to its first `fail` verdict on any ring, in
//   minutes and in heartbeat intervals;
// - time to fail from the failure onset: from the moment the k-th exposed device actually died to the
//   decision behind the first `fail` read (the release tool's poll interval is its own), k = the fewest
//   deaths the catastrophe rule's guards need, max(min_affected_devices, ceil(min_excess_fraction x the
//   devices of its first ring that received it)), or every death there was by then when fewer sufficed.
//   It leaves the rollout's spread and the wait for devices to come online out of the measure
//   (catastrophic releases only: a crash-rate regression has no single onset, it counts from its start);

// - broken promises: bad releases given a `pass` whose stated bound excludes the true effect (a catastrophe
//   under any bound; a crash-rate factor above the stated rate-ratio bound on crashes). A pass of a bad
//   release within its stated bound (x1.3 passed with "rate ratio <= 2") is a false pass, not a broken one;
// - halted in first ring: bad releases halted on a fail verdict that reached no ring but the first;
// - false halts: healthy releases halted on a `fail` verdict (rolled back); in brackets, healthy releases the
//   release tool stopped for another reason (no pass within its inconclusive limit: a ring too small ever to
//   earn one, under small_ring_policy inconclusive, waits for a person), so they are not hidden;
// - first pass: per healthy release and ring it started in, time from that start to the ring's first
//   `pass` (rings that never passed are counted apart);
// - release pages naming a healthy release, per simulated week (all runs);
// - release pages in outage runs: release pages in runs with a collector or site outage (every release
//   there is healthy, so each one is a page the outage caused) - must be 0;
// - pipeline pages per simulated week, over runs without any outage (the night is not a gap);
// - pages naming no release (unattributed change) per simulated week, over runs without an outage where
//   every release had a rollout record: each blames no one for what the feed could explain;
// - attribution: detected bad releases whose run's FIRST release page names them;
// - blast radius: devices that received a bad release (fixed at the halt).
import type { ReleaseSummary } from '../../simulator/summary.ts';
import type { RunRecord, VerdictSample } from './detection-run.ts';

const WEEK_SECS = 604_800;

export interface FamilyScore {
  family: string;
  /** Heartbeat periods of the family's runs (a family may mix them; the table shows them). */
  heartbeatSecs: number[];
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
  /** Bad releases with at least one `pass` after their start, and how many such verdicts were read. */
  falsePassReleases: number;
  falsePassVerdicts: number;
  /** Onset to first `fail`, in seconds and in heartbeat intervals (bad releases that got one). */
  failDelaysSecs: number[];
  failDelaysBeats: number[];
  /** From the failure onset (the k-th death) to the first `fail`, seconds and heartbeat intervals. */
  onsetDelaysSecs: number[];
  onsetDelaysBeats: number[];
  /** Bad releases with a pass whose stated bound excludes the true effect. */
  brokenPromises: number;
  healthyReleases: number;
  falseHalts: number;
  /** Healthy releases the release tool stopped without a fail (its inconclusive limit, verdict errors). */
  healthyStoppedUnpassed: number;
  /** Healthy release x ring started: seconds to the first pass there; rings that never passed. */
  firstPassSecs: number[];
  ringsNeverPassed: number;
  /** Release pages naming a healthy release (all runs, per simulated week over simulatedSecs). */
  healthyNamedPages: number;
  /** Simulated time and pipeline pages of runs without an outage. */
  noOutageSecs: number;
  noOutagePipelinePages: number;
  /** Simulated time and pages naming no release (unattributed change) of runs where every release was
   *  announced and nothing went dark: such a page then blames no one for something the feed explains. */
  announcedSecs: number;
  noReleasePages: number;
}

const isBad = (r: ReleaseSummary) => r.effect !== 'healthy';
const sameRelease = (a: { component: string; version: string } | undefined, r: { component: string; version: string }) => a?.component === r.component && a?.version === r.version;

export function emptyScore(family: string): FamilyScore {
  return {
    family, heartbeatSecs: [], runs: 0, simulatedSecs: 0, events: 0, wallMs: 0, badReleases: 0, detected: 0, releasePages: 0, truePages: 0, falsePages: 0,
    healthySecs: 0, healthyPages: 0, pageDelaysSecs: [], haltDelaysSecs: [], stoppedInFirstRing: 0, blastRadius: [], attributedRight: 0, outageRuns: 0,
    releasePagesInOutages: 0, pipelinePages: 0, falsePassReleases: 0, falsePassVerdicts: 0, failDelaysSecs: [], failDelaysBeats: [], onsetDelaysSecs: [],
    onsetDelaysBeats: [], brokenPromises: 0, healthyReleases: 0,
    falseHalts: 0, healthyStoppedUnpassed: 0, firstPassSecs: [], ringsNeverPassed: 0, healthyNamedPages: 0, noOutageSecs: 0, noOutagePipelinePages: 0,
    announcedSecs: 0, noReleasePages: 0,
  };
}

/** `hasOutage` overrides the record's own flag (kept for callers of the first version). */
export function addRun(score: FamilyScore, rec: RunRecord, hasOutage = rec.hasOutage): void {
  const { summary } = rec;
  const releasePages = rec.pages.filter((p) => p.kind !== 'pipeline_gap');
  const pipelinePages = rec.pages.length - releasePages.length;
  const bad = summary.releases.filter(isBad);
  if (!score.heartbeatSecs.includes(rec.heartbeatSecs)) score.heartbeatSecs.push(rec.heartbeatSecs);
  score.runs++;
  score.simulatedSecs += rec.simulatedSecs;
  score.events += rec.events;
  score.wallMs += rec.wallMs;
  score.releasePages += releasePages.length;
  score.pipelinePages += pipelinePages;
  const truePages = releasePages.filter((p) => bad.some((r) => sameRelease(p.release, r))).length;
  score.truePages += truePages;
  score.falsePages += releasePages.length - truePages;
  score.healthyNamedPages += releasePages.filter((p) => summary.releases.some((r) => !isBad(r) && sameRelease(p.release, r))).length;
  if (!bad.length) {
    score.healthySecs += rec.simulatedSecs;
    score.healthyPages += releasePages.length;
  }
  if (hasOutage) {
    score.outageRuns++;
    score.releasePagesInOutages += releasePages.length;
  } else {
    score.noOutageSecs += rec.simulatedSecs;
    score.noOutagePipelinePages += pipelinePages;
    if (summary.releases.every((r) => r.announced ?? true)) {
      score.announcedSecs += rec.simulatedSecs;
      score.noReleasePages += releasePages.filter((p) => !p.release).length;
    }
  }
  summary.releases.forEach((r, k) => {
    const started = summary.actions.find((a) => a.release === k && a.action === 'started');
    const samples = rec.verdicts.filter((v) => v.release === k && started !== undefined && v.atMs >= started.atMs);
    if (isBad(r)) scoreBad(score, rec, r, started, samples, releasePages);
    else scoreHealthy(score, rec, r, k, samples);
  });
}

type Started = RunRecord['summary']['actions'][number] | undefined;

function scoreBad(score: FamilyScore, rec: RunRecord, r: ReleaseSummary, started: Started, samples: RunRecord['verdicts'], releasePages: RunRecord['pages']): void {
  score.badReleases++;
  const passes = samples.filter((v) => v.verdict === 'pass');
  if (passes.length) score.falsePassReleases++;
  score.falsePassVerdicts += passes.length;
  if (passes.some((v) => breaksPromise(r, v))) score.brokenPromises++;
  const fail = samples.find((v) => v.verdict === 'fail');
  if (fail && started) {
    const secs = (fail.atMs - started.atMs) / 1000;
    score.failDelaysSecs.push(secs);
    score.failDelaysBeats.push(secs / rec.heartbeatSecs);
    const fromOnset = onsetToFailSecs(rec, r, started, fail);
    score.onsetDelaysSecs.push(fromOnset);
    score.onsetDelaysBeats.push(fromOnset / rec.heartbeatSecs);
  }
  score.blastRadius.push(r.exposure.total);
  const reached = Object.entries(r.exposure.byRing).filter(([, n]) => n > 0).map(([ring]) => ring);
  if (r.haltReason === 'verdict_fail' && reached.every((ring) => ring === started?.ring)) score.stoppedInFirstRing++;
  // Without a rollout record no page can name the change from the feed: any release page after it counts.
  const announced = r.announced ?? true;
  const page = releasePages.find((p) => (announced ? sameRelease(p.release, r) : started !== undefined && p.atMs >= started.atMs));
  if (!page || !started) return;
  score.detected++;
  score.pageDelaysSecs.push((page.atMs - started.atMs) / 1000);
  if (r.haltedAtMs !== undefined) score.haltDelaysSecs.push((r.haltedAtMs - started.atMs) / 1000);
  if (sameRelease(releasePages[0]?.release, r)) score.attributedRight++;
}

/** From the failure onset to the decision behind the first `fail` read (the measure's definition above). */
export function onsetToFailSecs(rec: RunRecord, r: ReleaseSummary, started: NonNullable<Started>, fail: VerdictSample): number {
  // To the fail decision: the release tool's poll (its own interval) is not ringwatch's delay.
  const decided = fail.decidedAtMs ?? fail.atMs;
  const starts = rec.summary.actions.filter((a) => a.release === started.release && a.action === 'started');
  return (decided - failureOnsetByRing(r, starts, decided, (ring) => deathsNeeded(rec, r, ring))) / 1000;
}

/** The deaths the catastrophe rule's guards alone need in a cohort of `n` (min_affected, min_excess). */
export const guardDeaths = (minAffected: number, minExcess: number, n: number): number =>
  Math.max(minAffected, Math.ceil(minExcess * n - 1e-9));

/** The deaths the catastrophe rule's guards need in a ring (k of the failure onset). */
export const deathsNeeded = (rec: RunRecord, r: ReleaseSummary, ring: string): number =>
  guardDeaths(rec.minAffected, rec.minExcess, r.exposure.byRing[ring] ?? 0);

/**
 * When the failure became detectable in principle: the k-th death, k = min(the deaths the rule's guards
 * need, deaths before the fail); the release's start for a release that kills no device (a crash-rate
 * regression).
 */
export function failureOnset(r: ReleaseSummary, startMs: number, failMs: number, needed: number): number {
  const dead = (r.failedAtMs ?? []).filter((t) => t <= failMs);
  const k = Math.min(needed, dead.length);
  return k ? Math.max(startMs, dead[k - 1]) : startMs;
}

/**
 * The onset over the rings the release started in: the earliest time some ring held the deaths the rule's
 * guards need there (scaled by that ring's exposure, counted among that ring's deaths). A push to every
 * ring at once is judged ring by ring, so its onset is not the third death anywhere in the fleet scaled by
 * the first ring's exposure (0 or 1 device there). No ring with enough deaths before the fail: the first
 * ring's start and the fleet's deaths, as `failureOnset`.
 */
export function failureOnsetByRing(r: ReleaseSummary, starts: { ring: string; atMs: number }[], failMs: number, needed: (ring: string) => number): number {
  let onset = Infinity;
  for (const { ring, atMs } of starts) {
    if (atMs > failMs) continue;
    const k = needed(ring);
    const dead = (r.failedAtMsByRing?.[ring] ?? []).filter((t) => t <= failMs);
    if (k > 0 && dead.length >= k) onset = Math.min(onset, Math.max(atMs, dead[k - 1]));
  }
  if (Number.isFinite(onset)) return onset;
  return starts.length ? failureOnset(r, starts[0].atMs, failMs, needed(starts[0].ring)) : failMs;
}

/** A pass of a bad release whose stated bound excludes what the release really does. */
export function breaksPromise(r: ReleaseSummary, v: VerdictSample): boolean {
  if (r.effect === 'catastrophic') return true;
  // Crash-rate regressions: the stated bound on the crash signal's rate ratio; a pass resting on an
  // absolute share (no ratio stated) promises a share, which such a factor at these rates does not breach.
  const bound = v.bounds?.crashed;
  return r.crashMultiplier !== undefined && bound !== undefined && bound !== null && bound < r.crashMultiplier;
}

function scoreHealthy(score: FamilyScore, rec: RunRecord, r: ReleaseSummary, k: number, samples: RunRecord['verdicts']): void {
  score.healthyReleases++;
  if (r.haltReason === 'verdict_fail') score.falseHalts++;
  else if (r.haltReason !== undefined) score.healthyStoppedUnpassed++;
  for (const start of rec.summary.actions.filter((a) => a.release === k && a.action === 'started')) {
    const pass = samples.find((v) => v.ring === start.ring && v.atMs >= start.atMs && v.verdict === 'pass');
    if (pass) score.firstPassSecs.push((pass.atMs - start.atMs) / 1000);
    else score.ringsNeverPassed++;
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
  total.heartbeatSecs = [...new Set(total.heartbeatSecs)].sort((a, b) => a - b);
  return total;
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const ratio = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(0)}% (${n}/${of})` : 'n/a');
const p50p95 = (v: number[], scale: number, digits: number) =>
  (v.length ? [50, 95].map((p) => (percentile(v, p)! / scale).toFixed(digits)).join(' / ') : 'n/a');
const simTime = (secs: number) => (secs >= WEEK_SECS ? `${(secs / WEEK_SECS).toFixed(1)} wk` : secs >= 86_400 ? `${(secs / 86_400).toFixed(1)} d`
  : secs >= 3600 ? `${(secs / 3600).toFixed(1)} h` : `${(secs / 60).toFixed(0)} min`);
const perWeek = (n: number, secs: number) => (secs ? `${(n / (secs / WEEK_SECS)).toFixed(n ? 1 : 0)} (${n} in ${simTime(secs)})` : 'n/a');
const beats = (s: number[]) => (s.length ? s.map((x) => (x >= 60 ? `${x / 60} min` : `${x} s`)).join(', ') : 'n/a');

export const TABLE_HEADER = ['family', 'heartbeat', 'runs', 'simulated', 'recall', 'false passes (bad releases / verdicts)',
  'broken promises (bad releases)', 'halted in first ring', 'time to fail from start p50 / p95 (min)', 'time to fail from start p50 / p95 (heartbeats)',
  'failure onset -> fail decision p50 / p95 (min)', 'failure onset -> fail decision p50 / p95 (heartbeats)', 'attribution', 'blast radius (med / max devices)', 'false halts [healthy stopped unpassed]',
  'first pass per ring p50 / p95 (min) [never]', 'release pages naming a healthy release / sim. week', 'release pages in outages',
  'pipeline pages / sim. week (no outage)', 'pages naming no release / sim. week (every release announced, no outage)'];

export function tableRow(s: FamilyScore): string[] {
  return [
    s.family, beats(s.heartbeatSecs), String(s.runs), simTime(s.simulatedSecs), ratio(s.detected, s.badReleases),
    s.badReleases ? `${s.falsePassReleases}/${s.badReleases} (${s.falsePassVerdicts})` : 'n/a', s.badReleases ? `${s.brokenPromises}/${s.badReleases}` : 'n/a',
    ratio(s.stoppedInFirstRing, s.badReleases),
    p50p95(s.failDelaysSecs, 60, 1) + (s.badReleases ? ` [${s.failDelaysSecs.length}/${s.badReleases} failed]` : ''), p50p95(s.failDelaysBeats, 1, 1),
    p50p95(s.onsetDelaysSecs, 60, 1), p50p95(s.onsetDelaysBeats, 1, 1),
    ratio(s.attributedRight, s.detected), s.blastRadius.length ? `${percentile(s.blastRadius, 50)} / ${percentile(s.blastRadius, 100)}` : 'n/a',
    s.healthyReleases ? `${s.falseHalts}/${s.healthyReleases} [${s.healthyStoppedUnpassed}]` : 'n/a',
    s.firstPassSecs.length || s.ringsNeverPassed ? `${p50p95(s.firstPassSecs, 60, 0)} [${s.ringsNeverPassed}]` : 'n/a',
    perWeek(s.healthyNamedPages, s.simulatedSecs), s.outageRuns ? `${s.releasePagesInOutages} in ${s.outageRuns} runs` : 'n/a',
    perWeek(s.noOutagePipelinePages, s.noOutageSecs), perWeek(s.noReleasePages, s.announcedSecs),
  ];
}

export function markdownTable(rows: string[][], header: string[] = TABLE_HEADER): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
