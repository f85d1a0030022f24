// Replays one scenario instance in virtual time: the fleet simulator's events in receive order through the
// processors' DetectionCore and the alerter's AlerterCore (VirtualPipeline, the code that runs behind
// Kafka), with the simulated release tool gated on the alerter's verdicts. Records what a user would
// have seen: pages (with the release they name), halts, and the release tool's outcome per release.
import { VirtualPipeline } from '../../replay/virtual-pipeline.ts';
import { Simulation, toEnvelope } from '../../simulator/simulation.ts';
import { summarize, type SimulationSummary } from '../../simulator/summary.ts';
import type { BenchRun } from './detection-spec.ts';

export interface PageRecord {
  atMs: number;
  kind: 'catastrophe' | 'regression' | 'pipeline_gap';
  /** The release the page names (absent for pipeline pages). */
  release?: { component: string; version: string };
  ring: string;
}

export interface RunRecord {
  family: string;
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
  const sim = new Simulation(run.scenario, {
    // The release tool asks after every earlier event was fed (pull-based), like a live reader of the API.
    verdicts: (q, nowMs) => {
      pipe.advanceTo(nowMs);
      return pipe.alerter.verdicts(nowMs, { component: q.component, version: q.version, ring: q.ring })[0]?.verdict ?? 'inconclusive';
    },
  });
  for await (const batch of sim.batches()) for (const e of batch) pipe.feed(toEnvelope(e));
  pipe.advanceTo(sim.endMs);
  const summary = summarize(sim.model, sim.tool, sim.counts);
  return {
    family: run.family.name, seed: run.seed, devices: run.scenario.fleet.devices, simulatedSecs: run.scenario.duration_secs,
    events: sim.counts.heartbeat + sim.counts.crash + sim.counts.deployment, wallMs: Date.now() - started, pages, halts, summary,
  };
}
