// Replays one scenario instance in virtual time: the fleet simulator's events in receive order through the
// processors' DetectionCore and the alerter's AlerterCore (VirtualPipeline, the code that runs behind
// Kafka), with the simulated release tool gated on the alerter's verdicts. Records what a user would
// have seen: pages (with the release they name), halts, the release tool's outcome per release, and the
// verdict of every (release, ring) over time, read from the alerter's verdict logic the way the release
// tool reads it (alerter.verdicts, the function behind GET /v1/verdicts), every rollout poll interval.
import type { Verdict } from '../../../common/contract/decision.ts';
import { VirtualPipeline } from '../../replay/virtual-pipeline.ts';
import { Simulation, toEnvelope } from '../../simulator/simulation.ts';
import { summarize, type SimulationSummary } from '../../simulator/summary.ts';
import { detectionSettings } from '../../../processors/core/settings.ts';
import { fewestThatFire } from './catastrophe-needs.ts';
import type { BenchRun } from './detection-spec.ts';
import type { IncidentKind } from '../../../alerting/core/model.ts';

export interface PageRecord {
  atMs: number;
  kind: IncidentKind;
  /** The release the page names (absent for pipeline pages). */
  release?: { component: string; version: string };
  ring: string;
}

/** One verdict read of the probe: release index (scenario order), ring, what ringwatch answered. */
export interface VerdictSample {
  atMs: number;
  release: number;
  ring: string;
  verdict: Verdict;
  /** Why (the verdict API's reason: soaking, insufficient_power, ...). */
  reason?: string;
  /** A fail: when ringwatch decided it (the newest decision behind the verdict; the read may come a poll later). */
  decidedAtMs?: number;
  /** A fail: the verdict's one-line why at this read (the deciding cell's counts), for the progress line. */
  explanation?: string;
  /**
   * A fail on a catastrophe cell: the fewest affected devices of its cohort with which the rule fires
   * against the control it had (the deaths its significance needed, which may exceed the onset's k).
   */
  ruleNeeded?: number;
  /** A pass: the rate-ratio bound it states per signal (null: none stated; the pass rests on an absolute share). */
  bounds?: Record<string, number | null>;
}

export interface RunRecord {
  family: string;
  /** Heartbeat period of the run's fleet (time to fail is also given in these). */
  heartbeatSecs: number;
  /** The catastrophe rule's guards (min_affected_devices, min_excess_fraction): the failure onset is the k-th death. */
  minAffected: number;
  minExcess: number;
  /** The run had a collector or site outage (its silence is the pipeline's, never a release's). */
  hasOutage: boolean;
  verdicts: VerdictSample[];
  seed: number;
  devices: number;
  simulatedSecs: number;
  events: number;
  wallMs: number;
  pages: PageRecord[];
  halts: { atMs: number; component: string; version: string; ring: string }[];
  summary: SimulationSummary;
}

export async function replayRun(run: BenchRun): Promise<RunRecord> {
  const started = Date.now();
  const pages: PageRecord[] = [];
  const halts: RunRecord['halts'] = [];
  const pipe = new VirtualPipeline(run.config, {
    notice(n, deliveries, nowMs) {
      if (n.type === 'signal.halt') {
        halts.push({ atMs: nowMs, ...n.signal.release, ring: n.signal.ring });
      } else if (n.type === 'incident.opened' && deliveries.some((d) => d.integration === 'pagerduty' && d.action === 'trigger')) {
        pages.push({ atMs: nowMs, kind: n.incident.kind, release: n.incident.release, ring: n.incident.lastRing });
      }
    },
  });
  const settings = detectionSettings(run.config.processor);
  const viewOf = (component: string, version: string, ring: string, nowMs: number) => pipe.alerter.verdicts(nowMs, { component, version, ring })[0];
  const verdictOf = (component: string, version: string, ring: string, nowMs: number): Verdict => viewOf(component, version, ring, nowMs)?.verdict ?? 'inconclusive';
  const sim = new Simulation(run.scenario, {
    // The release tool asks after every earlier event was fed (pull-based), like a live reader of the API.
    verdicts: (q, nowMs) => {
      pipe.advanceTo(nowMs);
      return verdictOf(q.component, q.version, q.ring, nowMs);
    },
  });
  // The probe: from each release's start, its verdict on every ring, each poll interval, to the run's end.
  const rings = run.scenario.fleet.rings.map((r) => r.name);
  const probeMs = run.scenario.rollout.poll_interval_secs * 1000;
  const verdicts: VerdictSample[] = [];
  let nextProbe = sim.startMs + probeMs;
  const probe = (nowMs: number) => {
    pipe.advanceTo(nowMs);
    run.scenario.releases.forEach((spec, k) => {
      if (nowMs < sim.startMs + spec.start_secs * 1000) return;
      for (const ring of rings) {
        const view = viewOf(spec.component, spec.version, ring, nowMs);
        const sample: VerdictSample = { atMs: nowMs, release: k, ring, verdict: view?.verdict ?? 'inconclusive', reason: view?.reason };
        if (view?.verdict === 'fail' && view.decidedAt) sample.decidedAtMs = Math.min(nowMs, Date.parse(view.decidedAt));
        if (view?.verdict === 'fail') {
          sample.explanation = view.explanation;
          const cell = view.cells.find((c) => c.failing && c.layer === 'catastrophe');
          const { updated, control } = cell?.evidence ?? {};
          if (updated && control) sample.ruleNeeded = fewestThatFire(updated.exposed, control.affected, control.exposed, settings);
        }
        if (view?.verdict === 'pass') {
          sample.bounds = Object.fromEntries(view.cells.filter((c) => c.evidence.bound).map((c) => [c.signal, c.evidence.bound!.rateRatio]));
        }
        verdicts.push(sample);
      }
    });
  };
  for await (const batch of sim.batches()) {
    for (const e of batch) pipe.feed(toEnvelope(e));
    // Every event received before the model's clock has been fed: probing at that time is what a live reader sees.
    if (sim.model.now >= nextProbe) {
      probe(sim.model.now);
      nextProbe = sim.model.now + probeMs;
    }
  }
  pipe.advanceTo(sim.endMs);
  const summary = summarize(sim.model, sim.tool, sim.counts);
  return {
    family: run.family.name, heartbeatSecs: run.scenario.fleet.heartbeat_interval_secs, minAffected: run.config.processor.min_affected_devices, minExcess: run.config.processor.min_excess_fraction,
    hasOutage: run.scenario.noise.outages.length > 0 || run.scenario.noise.site_outages.length > 0, verdicts, seed: run.seed, devices: run.scenario.fleet.devices, simulatedSecs: run.scenario.duration_secs,
    events: sim.counts.heartbeat + sim.counts.crash + sim.counts.deployment, wallMs: Date.now() - started, pages, halts, summary,
  };
}
