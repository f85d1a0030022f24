// What a run did, for people (the CLI prints it) and for code (tests, the e2e test, the benchmark):
// events, delivery noise, what the release tool did and when, and each release's blast radius.
import type { EventKind } from '../../common/contract/events.ts';
import type { DriverStats } from './agent-driver.ts';
import type { DeliveryStats } from './emitter.ts';
import type { FleetModel, ModelStats } from './model.ts';
import { exposureOf, type ReleaseState } from './release-state.ts';
import type { HaltReason, ReleaseTool, ToolRecord } from './release-tool.ts';

export interface ReleaseSummary {
  component: string;
  version: string;
  effect: string;
  /** crash_rate: the factor on the crash rate of devices running it (the true effect a pass bound must cover). */
  crashMultiplier?: number;
  /** false: a change with no rollout record (no deployment event was sent). */
  announced: boolean;
  outcome: string;
  haltedAtMs?: number;
  haltReason?: HaltReason;
  firstReceivedAtMs?: number;
  /** Devices that received the release (all before the halt: a halt cancels every pending pick-up). */
  exposure: { total: number; byRing: Record<string, number> };
  bootLoops: number;
  /** When each boot-looping device died (ms, in order). */
  failedAtMs: number[];
  /** The same deaths by ring (ms, in order): where the catastrophe rule could see them. */
  failedAtMsByRing?: Record<string, number[]>;
  reverted: number;
}

export interface SimulationSummary {
  scenario: string;
  seed: number;
  devices: number;
  startMs: number;
  endMs: number;
  events: Record<EventKind, number>;
  delivery: DeliveryStats;
  model: ModelStats;
  releases: ReleaseSummary[];
  /** Deployment actions in order (verdict reads are counted, not listed). */
  actions: ToolRecord[];
  verdictReads: Record<string, number>;
  driver?: DriverStats;
}

export function summarize(model: FleetModel, tool: ReleaseTool, events: Record<EventKind, number>, driver?: DriverStats): SimulationSummary {
  const actions = tool.log.filter((r) => r.action !== 'verdict');
  const verdictReads: Record<string, number> = {};
  for (const r of tool.log) if (r.verdict) verdictReads[r.verdict] = (verdictReads[r.verdict] ?? 0) + 1;
  const releases = model.releases.map((rel, k): ReleaseSummary => {
    const halt = actions.find((a) => a.release === k && a.action === 'halted');
    return {
      component: rel.spec.component, version: rel.spec.version, effect: rel.spec.effect, crashMultiplier: rel.spec.effect === 'crash_rate' ? rel.spec.crash_multiplier : undefined, announced: rel.spec.announced, outcome: tool.phaseOf(k),
      haltedAtMs: halt?.atMs, haltReason: halt?.reason, firstReceivedAtMs: rel.firstReceivedAtMs,
      exposure: exposureOf(rel, model.ringNames), bootLoops: rel.bootLoops, failedAtMs: [...rel.failedAtMs].sort((a, b) => a - b), failedAtMsByRing: deathsByRing(rel, model.ringNames), reverted: rel.reverted,
    };
  });
  return {
    scenario: model.scenario.name, seed: model.scenario.seed, devices: model.fleet.size, startMs: model.startMs,
    endMs: model.now, events: { ...events }, delivery: { ...model.emitter.stats }, model: { ...model.stats },
    releases, actions, verdictReads, driver,
  };
}

const secs = (ms: number, from: number) => `t+${((ms - from) / 1000).toFixed(1)}s`;

export function formatSummary(s: SimulationSummary): string {
  const lines = [
    `scenario ${s.scenario} (seed ${s.seed}), ${s.devices} devices, ${((s.endMs - s.startMs) / 1000).toFixed(0)} s simulated`,
    `events: ${s.events.heartbeat} heartbeats, ${s.events.crash} crashes, ${s.events.deployment} deployments`,
    `noise: ${s.delivery.late} late, ${s.delivery.duplicates} duplicated, ${s.delivery.heldByOutage} held by outages (${s.delivery.lostInOutage} lost), `
      + `${s.model.offlineSpells} offline spells, ${s.model.nightSleeps} nights, ${s.model.waveReboots} wave reboots, ${s.model.backgroundCrashes} background crashes, ${s.model.loopCrashes} crash-loop crashes`,
  ];
  if (s.driver) {
    const d = s.driver;
    lines.push(`http: ${d.sent} sent, ${d.accepted} accepted, ${d.rejected} rejected, ${d.failed} failed, ${d.dropped} dropped; ${d.requests} requests, ${d.retries} retries `
      + `(${d.attempts.rate_limited} x 429, ${d.attempts.unavailable} x 5xx, ${d.attempts.network} network)`);
    if (d.rejections.length) lines.push(`  first rejections: ${d.rejections.slice(0, 3).join('; ')}`);
  }
  lines.push(`verdict reads: ${Object.entries(s.verdictReads).map(([v, n]) => `${n} ${v}`).join(', ') || 'none'}`);
  lines.push('release tool:');
  for (const a of s.actions) lines.push(`  ${secs(a.atMs, s.startMs)}  ${a.component}@${a.version}  ${a.ring}  ${a.action}${a.reason ? ` (${a.reason})` : ''}`);
  for (const r of s.releases) {
    const rings = Object.entries(r.exposure.byRing).filter(([, n]) => n > 0).map(([ring, n]) => `${ring} ${n}`).join(', ') || 'none';
    const halt = r.haltedAtMs !== undefined ? `, halted at ${secs(r.haltedAtMs, s.startMs)} (${r.haltReason})` : '';
    lines.push(`release ${r.component}@${r.version} [${r.effect}]: ${r.outcome}${halt}; blast radius ${r.exposure.total} devices (${rings})`
      + `${r.bootLoops ? `, ${r.bootLoops} boot-looping` : ''}${r.reverted ? `, ${r.reverted} reverted` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function deathsByRing(rel: ReleaseState, ringNames: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  rel.failedAtMs.forEach((t, j) => (out[ringNames[rel.failedRing[j]]] ??= []).push(t));
  for (const deaths of Object.values(out)) deaths.sort((a, b) => a - b);
  return out;
}
