// In-process run of a scenario in virtual time: the fleet model and the release tool interleaved, as
// fast as the consumer pulls. The consumer gets batches of events in receive order; the verdict source
// is a function, so a benchmark can plug the detection core in and a backtest file can be written
// without any server. Pull-based: when a verdict is asked for, the consumer has seen every earlier event.
import { CONTRACT_VERSION, type AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Verdict } from '../../common/contract/decision.ts';
import { runToolStep } from './tool-step.ts';
import type { EventKind } from '../../common/contract/events.ts';
import type { Deployment } from '../../common/contract/events.ts';
import { parseTimestamp } from '../../common/contract/formats.ts';
import { FleetModel } from './model.ts';
import type { SimEvent } from './outbox.ts';
import { ReleaseTool, type ToolRecord, type VerdictQuery } from './release-tool.ts';
import { rolloutPlanOf } from './scenario-load.ts';
import type { ReleaseSpec, Scenario } from './scenario-schema.ts';

/** Where the release tool's verdicts come from; a throw counts as a read error. */
export type VerdictSource = (query: VerdictQuery, nowMs: number) => Verdict | Promise<Verdict>;

/** Without a detector the rollout is not gated: every ring passes after its bake time. */
export const ALWAYS_PASS: VerdictSource = () => 'pass';

export const DEFAULT_START = '2024-07-16T00:00:00Z';

export interface SimulationOptions {
  startMs?: number;
  verdicts?: VerdictSource;
  /** Goes into event ids; defaults to one derived from the seed (same seed, same ids). */
  runId?: string;
  /** Longest step of virtual time between two batches (default: one heartbeat interval). */
  maxStepMs?: number;
}

export function startMsOf(scenario: Scenario, override?: number): number {
  return override ?? parseTimestamp(scenario.start ?? DEFAULT_START);
}

/** The deployment event the release tool sends for one of its actions (a start declares the release's downtime). */
export function deploymentOf(rec: ToolRecord, runId: string, seq: number, spec: ReleaseSpec): Deployment {
  if (rec.action === 'verdict') throw new Error('a verdict read is not a deployment');
  return {
    eventId: `deploy-${runId}-${seq}`, component: rec.component, version: rec.version, ring: rec.ring,
    action: rec.action, at: new Date(rec.atMs).toISOString(),
    ...(rec.action === 'started' && spec.declared_downtime_secs > 0 ? { expectedDowntimeSecs: spec.declared_downtime_secs } : {}),
  };
}

export function toEnvelope(e: SimEvent): AnyEnvelope {
  // The collector's clock policy (collectors/clock-policy.ts, default bounds): a device time ahead of
  // receipt is clamped to the receipt time.
  const receivedAt = new Date(e.receivedAtMs).toISOString();
  const eventAt = e.eventMs > e.receivedAtMs ? receivedAt : new Date(e.eventMs).toISOString();
  return { v: CONTRACT_VERSION, kind: e.kind, receivedAt, eventAt, collectorId: e.collectorId, event: e.event } as AnyEnvelope;
}

export class Simulation {
  readonly scenario: Scenario;
  readonly model: FleetModel;
  readonly tool: ReleaseTool;
  readonly startMs: number;
  readonly endMs: number;
  private readonly verdicts: VerdictSource;
  private readonly runId: string;
  private readonly stepMs: number;
  private deploySeq = 0;
  /** Events handed to the consumer so far, per kind. */
  readonly counts: Record<EventKind, number> = { heartbeat: 0, crash: 0, deployment: 0 };

  constructor(scenario: Scenario, options: SimulationOptions = {}) {
    this.scenario = scenario;
    this.startMs = startMsOf(scenario, options.startMs);
    this.endMs = this.startMs + scenario.duration_secs * 1000;
    this.runId = options.runId ?? `s${scenario.seed}`;
    const verdicts = options.verdicts ?? ALWAYS_PASS;
    // A change with no rollout record is not gated on ringwatch (it does not know the change exists):
    // the tool pushes it on after each bake.
    this.verdicts = (q, nowMs) => (scenario.releases[q.release].announced ? verdicts(q, nowMs) : 'pass');
    this.stepMs = options.maxStepMs ?? scenario.fleet.heartbeat_interval_secs * 1000;
    this.model = new FleetModel(scenario, this.startMs, this.runId);
    this.tool = new ReleaseTool(scenario.releases.map((spec) => ({ spec, plan: rolloutPlanOf(scenario, spec) })), this.startMs);
  }

  /** Batches of events in receive order, until the scenario's end. */
  async *batches(): AsyncGenerator<SimEvent[]> {
    for (let t = this.model.now; t < this.endMs;) {
      if (this.tool.nextWakeAt() <= t) {
        await this.runTool(t);
        continue;
      }
      t = Math.min(this.endMs, t + this.stepMs, this.tool.nextWakeAt());
      const events = this.model.advanceTo(t);
      for (const e of events) this.counts[e.kind]++;
      if (events.length) yield events;
    }
  }

  /** Contract-v1 envelopes one by one (what `ringwatch backtest` and the NDJSON files hold). */
  async *envelopes(): AsyncGenerator<AnyEnvelope> {
    for await (const batch of this.batches()) for (const e of batch) yield toEnvelope(e);
  }

  private async runTool(nowMs: number): Promise<void> {
    await runToolStep(this.tool, () => nowMs, this.verdicts, (actions) => this.applyActions(actions));
  }

  private applyActions(actions: ToolRecord[]): void {
    for (const rec of actions) {
      const spec = this.scenario.releases[rec.release];
      this.model.applyDeployment(rec.release, deploymentOf(rec, this.runId, ++this.deploySeq, spec), spec.announced, spec.feed_delay_secs * 1000);
    }
  }
}
