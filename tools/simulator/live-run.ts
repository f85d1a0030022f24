// Plays a scenario against a running collector in real time: the model's virtual clock follows the wall
// clock (times `speed`), each tick's events go to the agent driver, and the release tool posts its
// deployment events with the release token and reads the verdict API. Intervals come from the scenario,
// so a demo scenario with 1-second heartbeats rolls a release through every ring in minutes.
import { systemClock, type Clock } from '../../common/runtime/clock.ts';
import { sleep } from '../../common/runtime/retry.ts';
import type { EventKind } from '../../common/contract/events.ts';
import { AgentDriver, type DriverDeps, type DriverSettings, type DriverTokens, type Endpoint } from './agent-driver.ts';
import { FleetModel } from './model.ts';
import type { SimEvent } from './outbox.ts';
import { ReleaseTool, type ToolRecord } from './release-tool.ts';
import { rolloutPlanOf } from './scenario-load.ts';
import type { Scenario } from './scenario-schema.ts';
import { deploymentOf, startMsOf, type VerdictSource } from './simulation.ts';
import { summarize, type SimulationSummary } from './summary.ts';
import { runToolStep } from './tool-step.ts';

export interface LiveOptions {
  target: string;
  tokens: DriverTokens;
  verdicts: VerdictSource;
  speed: number;
  /** Wall time between two model steps. */
  tickMs: number;
  /** How long to wait at the end for queued batches. */
  flushTimeoutMs: number;
  driver?: Partial<DriverSettings>;
  driverDeps?: DriverDeps;
  /** Called about every progressEveryMs of wall time (and at the end) with the summary so far. */
  onProgress?: (s: SimulationSummary) => void;
  progressEveryMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
  runId?: string;
}

const ENDPOINT_OF: Record<Exclude<EventKind, 'deployment'>, Endpoint> = { heartbeat: 'heartbeats', crash: 'crashes' };

export async function runLive(scenario: Scenario, options: LiveOptions): Promise<SimulationSummary> {
  const clock = options.clock ?? systemClock;
  const wallStart = clock.now();
  const runId = options.runId ?? `r${wallStart.toString(36)}`;
  // Events carry the wall clock; nights and office hours keep the scenario's time of day, so a run does
  // the same whenever it is started (a demo at 17:00 UTC had canary devices asleep that 04:00 has awake).
  const model = new FleetModel(scenario, wallStart, runId, startMsOf(scenario) - wallStart);
  const tool = new ReleaseTool(scenario.releases.map((spec) => ({ spec, plan: rolloutPlanOf(scenario, spec) })), wallStart);
  const driver = new AgentDriver(options.target, options.tokens, options.driver, options.driverDeps);
  const counts: Record<EventKind, number> = { heartbeat: 0, crash: 0, deployment: 0 };
  const endMs = wallStart + scenario.duration_secs * 1000;
  let deploySeq = 0;

  // Deployments go out one request at a time, in order, before devices can pick the release up.
  const act = async (actions: ToolRecord[]) => {
    if (!actions.length) return;
    const deployments = actions.map((rec) => deploymentOf(rec, runId, ++deploySeq, scenario.releases[rec.release]));
    actions.forEach((rec, k) => model.applyDeployment(rec.release, deployments[k], false));
    // A change with no rollout record sends nothing (feed_delay_secs applies to in-process runs only).
    const sent = deployments.filter((_, k) => scenario.releases[actions[k].release].announced);
    counts.deployment += sent.length;
    if (sent.length) await driver.send('deployments', sent);
  };
  const dispatch = (events: SimEvent[]) => {
    const byEndpoint: Record<Endpoint, unknown[]> = { heartbeats: [], crashes: [], deployments: [] };
    for (const e of events) {
      counts[e.kind]++;
      if (e.kind !== 'deployment') byEndpoint[ENDPOINT_OF[e.kind]].push(e.event);
    }
    if (byEndpoint.heartbeats.length) driver.enqueue('heartbeats', byEndpoint.heartbeats);
    if (byEndpoint.crashes.length) driver.enqueue('crashes', byEndpoint.crashes);
  };

  // Unannounced changes are not gated on ringwatch (as in simulation.ts).
  const gated: VerdictSource = (q, nowMs) => (scenario.releases[q.release].announced ? options.verdicts(q, nowMs) : 'pass');
  let toolTurn: Promise<void> | undefined;
  let lastProgress = wallStart;
  for (;;) {
    const virtualNow = Math.min(endMs, wallStart + (clock.now() - wallStart) * options.speed);
    dispatch(model.advanceTo(virtualNow));
    if (!toolTurn && tool.nextWakeAt() <= virtualNow) {
      toolTurn = runToolStep(tool, () => model.now, gated, act).finally(() => { toolTurn = undefined; });
    }
    if (options.onProgress && clock.now() - lastProgress >= (options.progressEveryMs ?? 5000)) {
      lastProgress = clock.now();
      options.onProgress(summarize(model, tool, counts, driver.stats));
    }
    if (virtualNow >= endMs || options.signal?.aborted) break;
    await sleep(options.tickMs);
  }
  await toolTurn;
  await driver.flush(options.flushTimeoutMs);
  return summarize(model, tool, counts, driver.stats);
}
