// One release in one ring, one signal, one window: its comparison (a cohort fixed at exposure against a
// same-time stratified control; with no control left, against the cohort's own past at the same hour of
// the week), the catastrophe rule and the sequential gate folded forward on it, and the pass rule's
// evidence. The gate's state lives in the judge; this module only computes.
import type { Naming } from './attribution.ts';
import type { Signal } from '../../common/contract/decision.ts';
import { msprtLogLambda, msprtThreshold, msprtUpdatePoisson, msprtUpdateStrata, newMsprt, type MsprtState } from '../stats/msprt.ts';
import { poissonUpperTail } from '../stats/exact-tails.ts';
import type { CatastropheResult } from './catastrophe.ts';
import { announcedCatastrophe, cohortView, silentUpToUnder, stratifiedCatastrophe, type CohortRow, type CohortView } from './cohorts.ts';
import { sideOf, type Comparison, type ComparisonKind } from './comparisons.ts';
import type { CellRow } from './partial.ts';
import type { RingRollout } from './rollout.ts';
import type { DetectionSettings } from './settings.ts';
import { newPassState, type PassInput, type PassState } from './pass-rule.ts';
import { newRatioBound, ratioBoundUpdate, ratioBoundUpdatePoisson } from '../stats/ratio-bound.ts';

export interface GateState {
  msprt: MsprtState;
  /** Null ratio of the gate: the indifference ratio (same-time strata need no historical ratio). */
  rho: number;
  /** Self-controlled: events and expected events since the start (the catastrophe rule's counts). */
  events: number;
  expected: number;
}

export interface GateResult {
  comparison: Comparison;
  state: GateState;
  nullShare: number;
  logLambda: number;
  threshold: number;
  rejected: boolean;
}

export interface ReleaseEval {
  rollout: RingRollout;
  signal: Signal;
  gapped: boolean;
  /** Which comparison judged it this window (none: no control and no history yet). */
  design: 'cohort' | 'self_controlled' | 'none';
  catastrophes: { comparison: Comparison; result: CatastropheResult }[];
  gates: GateResult[];
  firedCatastrophe: boolean;
  firedGate: boolean;
  /** Kept for attribution: a comparison that names the release directly (none of today's designs does). */
  direct: boolean;
  /**
   * Naming counts for attribution: affected / unaffected devices of the ring and how many of each run or
   * apply this version (unaffected devices only applying it are left out), and how many affected devices
   * were applying it at their last heartbeat.
   */
  naming: Naming;
  /** The pass rule's state and this window's input (docs/detection.md, "Verdicts"). */
  pass: PassState;
  passInput: PassInput;
}

export interface EvalContext {
  s: DetectionSettings;
  index: Map<string, CellRow[]>;
  /** Stratum rows by ring. */
  strata: Map<string, CohortRow[]>;
  /** Rings the release had reached by the window's end. */
  reached: string[];
  rings: string[];
  gapped: Set<string>;
  alphaSplit: number;
  gates: Map<string, GateState>;
  passes: Map<string, PassState>;
  /** End of the window being judged, ms. */
  endMs: number;
  /** The ring's own past: new events per device-window at this hour of the week, if learned. */
  ownRate: (ring: string, signal: Signal, atMs: number) => number | undefined;
}

export const gateKey = (r: RingRollout, signal: Signal, kind: string) =>
  `${r.release.component}@${r.release.version}|${r.ring}|${signal}|${kind}`;

const toSide = (x: { exposed: number; affected: number; newAffected: number; crashReports: number }) =>
  ({ exposed: x.exposed, affected: x.affected, newAffected: x.newAffected, crashReports: x.crashReports });

export function evaluateRelease(r: RingRollout, signal: Signal, c: EvalContext): ReleaseEval {
  const { s } = c;
  const W = s.windowMs;
  const window = Math.round(c.endMs / W) - 1;
  const unreached = c.rings.filter((ring) => !c.reached.includes(ring));
  const onsetFrom = Math.floor((r.startedAt - s.heartbeatMs) / W);
  // A declared downtime: an exposed device's silence counts once it outlasts it; until then it is censored.
  const silentUpTo = r.downtimeMs ? silentUpToUnder(r.downtimeMs, c.endMs, s) : Infinity;
  const cohortWindow = {
    fromWindow: onsetFrom,
    countNewSilence: c.endMs - s.silenceIntervals * s.heartbeatMs >= r.startedAt - s.heartbeatMs,
    watchedUpTo: Math.floor((c.endMs - s.soakMs) / W),
    ...(silentUpTo < Infinity ? { silentUpTo } : {}),
  };
  const view = cohortView(c.strata.get(r.ring) ?? [], unreached.flatMap((ring) => c.strata.get(ring) ?? []), signal, cohortWindow);
  const gapped = c.gapped.has(r.ring) || unreached.some((g) => c.gapped.has(g));
  const own = c.ownRate(r.ring, signal, window * W);
  const design = view.control.exposed >= s.minControl ? 'cohort' : own !== undefined && view.updated.exposed > 0 ? 'self_controlled' : 'none';
  const threshold = msprtThreshold(c.alphaSplit);
  const catastrophes: ReleaseEval['catastrophes'] = [];
  const gates: GateResult[] = [];
  const rows = c.index.get(`${r.ring}\u0000${r.release.component}`) ?? [];
  const tookRows = rows.filter((row) => row.version === r.release.version);
  const took = sideOf(tookRows, signal, onsetFrom, silentUpTo);
  // Devices counted under this version only through their latest heartbeat's `applying`: the affected ones
  // died (or loop) right after announcing it; the others are pending -- they have not yet shown that they
  // survive it (a device that dies loading it is not silent for k more intervals).
  const viaApplying = sideOf(tookRows.filter((row) => row.applying), signal, onsetFrom, silentUpTo);
  const { pass, passInput } = passState(r, signal, c, view, gapped);
  if (design === 'cohort') {
    const comparison: Comparison = { kind: 'cohort', updated: toSide(view.matchedUpdated), control: toSide(view.control), controlRings: unreached };
    catastrophes.push({ comparison, result: stratifiedCatastrophe(view, s) });
    if (signal === 'silent' && viaApplying.exposed > 0) {
      // Still applying and not yet silent: their fate is not known yet (censored, out of the count).
      const announced = { ...toSide(viaApplying), exposed: took.exposed - (viaApplying.exposed - viaApplying.affected) };
      catastrophes.push({
        comparison: { kind: 'announced', updated: announced, control: toSide(view.control), controlRings: unreached },
        result: announcedCatastrophe(announced, view, s),
      });
    }
    const state = stateOf(c, r, signal, 'cohort');
    const parts = view.matched.map((m) => ({
      x: m.updated.newAffected, n: m.updated.newAffected + m.control.newAffected,
      q: (state.rho * m.updated.exposed) / (state.rho * m.updated.exposed + m.control.exposed),
    }));
    // A data gap says nothing about the release: its windows are not evidence either way.
    if (!gapped) {
      state.msprt = msprtUpdateStrata(state.msprt, parts);
      for (const m of view.matched) ratioBoundUpdate(pass.bound, m.updated.newAffected, m.updated.newAffected + m.control.newAffected, m.updated.exposed, m.control.exposed);
      foldPass(pass, signal, view.matchedUpdated, view.control.newAffected, view.control.exposed);
    }
    const exposed = view.matchedUpdated.exposed;
    gates.push(gateResult(comparison, state, exposed ? (state.rho * exposed) / (state.rho * exposed + view.control.exposed) : 0, threshold, s));
    passInput.comparable = true;
    passInput.watchedNow = c.endMs - r.startedAt >= s.soakMs ? view.matchedUpdated.watched : 0;
    passInput.controlFraction = view.control.exposed ? view.control.affected / view.control.exposed : 0;
  } else if (design === 'self_controlled') {
    const comparison: Comparison = { kind: 'self_controlled', updated: toSide(view.updated), control: { exposed: view.updated.exposed, affected: 0, newAffected: 0, crashReports: 0 } };
    const state = stateOf(c, r, signal, 'self_controlled');
    const mu = (own ?? 0) * view.updated.exposed;
    if (!gapped) {
      state.events += view.updated.newAffected;
      state.expected += mu;
      state.msprt = msprtUpdatePoisson(state.msprt, view.updated.newAffected, mu * state.rho);
      ratioBoundUpdatePoisson(pass.bound, view.updated.newAffected, mu);
      foldPass(pass, signal, view.updated, mu, view.updated.exposed);
    }
    comparison.control.affected = Math.round(state.expected);
    catastrophes.push({ comparison, result: selfCatastrophe(state, view.updated.exposed, s) });
    gates.push(gateResult(comparison, state, 0, threshold, s));
    passInput.comparable = true;
    passInput.watchedNow = c.endMs - r.startedAt >= s.soakMs ? view.updated.watched : 0;
    passInput.controlFraction = view.updated.exposed ? state.expected / view.updated.exposed : 0;
  }
  const all = sideOf(rows, signal, onsetFrom, silentUpTo);
  // Pending devices (applying, not yet silent) are neither affected nor unaffected: out of the naming comparison.
  const pending = viaApplying.exposed - viaApplying.affected;
  const firedCatastrophe = !gapped && catastrophes.some((k) => k.result.fired);
  const firedGate = !gapped && gates.some((g) => g.rejected);
  return {
    rollout: r, signal, gapped, design, catastrophes, gates, firedCatastrophe, firedGate, direct: false,
    naming: {
      named: took.affected, affected: all.affected,
      namedOthers: Math.max(0, took.exposed - took.affected - pending), others: Math.max(0, all.exposed - all.affected - pending),
      announced: viaApplying.affected,
    },
    pass, passInput,
  };
}

/** The gate's null ratio for a signal: crashes have their own (docs/detection.md, "Comparisons"). */
export const indifferenceRatioOf = (s: DetectionSettings, signal: Signal): number =>
  signal === 'crashed' ? s.crashIndifferenceRatio : s.indifferenceRatio;

function stateOf(c: EvalContext, r: RingRollout, signal: Signal, kind: ComparisonKind): GateState {
  const key = gateKey(r, signal, kind);
  let state = c.gates.get(key);
  if (!state) c.gates.set(key, (state = { msprt: newMsprt(), rho: indifferenceRatioOf(c.s, signal), events: 0, expected: 0 }));
  return state;
}

function gateResult(comparison: Comparison, state: GateState, nullShare: number, threshold: number, s: DetectionSettings): GateResult {
  const logLambda = msprtLogLambda(state.msprt);
  return { comparison, state, nullShare, logLambda, threshold, rejected: logLambda >= threshold && state.msprt.updatedEvents >= s.minAffected };
}

/**
 * The catastrophe rule without a control: new events of the exposed cohort since the start against what
 * its own past predicts (exact Poisson tail, the prediction padded by half an event), with the same guards.
 */
function selfCatastrophe(state: GateState, exposed: number, s: DetectionSettings): CatastropheResult {
  const mu = state.expected + 0.5;
  const nullFraction = exposed > 0 ? Math.min(1, state.expected / exposed) : 0;
  if (exposed <= 0) return { applicable: false, fired: false, pValue: 1, excess: 0, nullFraction };
  const excess = (state.events - state.expected) / exposed;
  const pValue = poissonUpperTail(state.events, mu);
  const fired = state.events >= s.minAffected && excess >= s.minExcess && pValue <= s.alphaCatastrophe;
  return { applicable: true, fired, pValue, excess, nullFraction };
}

function passState(r: RingRollout, signal: Signal, c: EvalContext, view: CohortView, gapped: boolean) {
  const key = gateKey(r, signal, 'pass');
  let pass = c.passes.get(key);
  if (!pass) c.passes.set(key, (pass = newPassState(newRatioBound(c.s.passMaxRatio), 0)));
  // The ring's size for the small-ring rule: the most devices its cohort has held.
  if (!gapped) pass.ringDevices = Math.max(pass.ringDevices, view.updated.exposed);
  const passInput: PassInput = { comparable: false, elapsedMs: c.endMs - r.startedAt, watchedNow: 0, controlFraction: 0 };
  return { pass, passInput };
}

/** Counts the pass rule keeps: affected exposed devices, and the control's (or own past's) event rate. */
function foldPass(pass: PassState, signal: Signal, updated: { exposed: number; affected: number; newAffected: number }, controlEvents: number, controlExposure: number): void {
  // Silence ends (devices come back), so its affected count is the most dark at once; crashes and boot
  // loops count new episodes (distinct devices, episodes last crash_episode_secs).
  pass.affected = signal === 'silent' ? Math.max(pass.affected, updated.affected) : pass.affected + updated.newAffected;
  pass.controlEvents += controlEvents;
  pass.controlDeviceWindows += controlExposure;
  pass.exposedDeviceWindows += updated.exposed;
}
