// One release in one ring, one signal, one window: its comparisons, the catastrophe rule on each, and
// the sequential gate (mSPRT) folded forward on each. The gate's state lives in the judge; this module
// only computes.
import type { Naming } from './attribution.ts';
import type { Signal } from '../../common/contract/decision.ts';
import { msprtLogLambda, msprtThreshold, msprtUpdate, newMsprt, type MsprtState } from '../stats/msprt.ts';
import { catastrophe, type CatastropheResult } from './catastrophe.ts';
import { comparisons, sideOf, type Comparison } from './comparisons.ts';
import type { CellRow } from './partial.ts';
import type { RingRollout } from './rollout.ts';
import type { DetectionSettings } from './settings.ts';
import { newPassState, type PassInput, type PassState } from './pass-rule.ts';
import { newRatioBound, ratioBoundUpdate } from '../stats/ratio-bound.ts';

export interface GateState {
  msprt: MsprtState;
  /** Historical rate ratio updated/control, frozen when the release was first judged in the ring. */
  rho: number;
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
  catastrophes: { comparison: Comparison; result: CatastropheResult }[];
  gates: GateResult[];
  firedCatastrophe: boolean;
  firedGate: boolean;
  /** One of the fired comparisons is the version split. */
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
  /** Rings the release had reached by the window's end. */
  reached: string[];
  rings: string[];
  gapped: Set<string>;
  alphaSplit: number;
  gates: Map<string, GateState>;
  passes: Map<string, PassState>;
  /** End of the window being judged, ms. */
  endMs: number;
  /** Long-run rate of a signal over some rings (the gate's null ratio). */
  rate: (rings: string[], signal: Signal) => number;
}

export const gateKey = (r: RingRollout, signal: Signal, kind: string) =>
  `${r.release.component}@${r.release.version}|${r.ring}|${signal}|${kind}`;

export function evaluateRelease(r: RingRollout, signal: Signal, c: EvalContext): ReleaseEval {
  const { s } = c;
  const unreached = c.rings.filter((ring) => !c.reached.includes(ring));
  const onsetFrom = Math.floor((r.startedAt - s.heartbeatMs) / s.windowMs);
  const x = { component: r.release.component, version: r.release.version, ring: r.ring, onsetFrom, unreached };
  const comps = comparisons(x, signal, c.index);
  const gapped = c.gapped.has(r.ring) || comps.some((cmp) => cmp.controlRings?.some((g) => c.gapped.has(g)));
  const catastrophes = comps.map((comparison) => ({ comparison, result: catastrophe(comparison.updated, comparison.control, s) }));
  const threshold = msprtThreshold(c.alphaSplit);
  const gates = comps.map((comparison): GateResult => {
    const key = gateKey(r, signal, comparison.kind);
    let state = c.gates.get(key);
    if (!state) {
      const rho = comparison.kind === 'ring_split' ? c.rate([r.ring], signal) / c.rate(comparison.controlRings ?? [], signal) : 1;
      c.gates.set(key, (state = { msprt: newMsprt(), rho }));
    }
    const { updated, control } = comparison;
    const weighted = state.rho * updated.exposed;
    const nullShare = weighted / (weighted + control.exposed);
    // A data gap says nothing about the release: its windows are not evidence either way.
    if (!gapped) state.msprt = msprtUpdate(state.msprt, updated.newAffected, updated.newAffected + control.newAffected, nullShare);
    const logLambda = msprtLogLambda(state.msprt);
    const rejected = logLambda >= threshold && state.msprt.updatedEvents >= s.minAffected;
    return { comparison, state, nullShare, logLambda, threshold, rejected };
  });
  const rows = c.index.get(`${r.ring}\u0000${r.release.component}`) ?? [];
  const { pass, passInput } = passEvidence(r, signal, c, comps.find((k) => k.kind === 'ring_split'), gapped, rows);
  const tookRows = rows.filter((row) => row.version === r.release.version);
  const took = sideOf(tookRows, signal, onsetFrom);
  const all = sideOf(rows, signal, onsetFrom);
  // Devices counted under this version only through their latest heartbeat's `applying`: the affected ones
  // died (or loop) right after announcing it; the others are pending -- they have not yet shown that they
  // survive it (a device that dies loading it is not silent for k more intervals), so they are neither
  // affected nor unaffected and stay out of the naming comparison.
  const viaApplying = sideOf(tookRows.filter((row) => row.applying), signal, onsetFrom);
  const pending = viaApplying.exposed - viaApplying.affected;
  const firedCatastrophe = !gapped && catastrophes.some((k) => k.result.fired);
  const firedGate = !gapped && gates.some((g) => g.rejected);
  const direct = catastrophes.some((k) => k.result.fired && k.comparison.kind === 'version_split')
    || gates.some((g) => g.rejected && g.comparison.kind === 'version_split');
  return {
    rollout: r, signal, gapped, catastrophes, gates, firedCatastrophe, firedGate, direct,
    naming: {
      named: took.affected, affected: all.affected,
      namedOthers: Math.max(0, took.exposed - took.affected - pending), others: Math.max(0, all.exposed - all.affected - pending),
      announced: viaApplying.affected,
    },
    pass, passInput,
  };
}

/** Folds one window into the pass rule's state: the primary comparison's events, exposure and watch. */
function passEvidence(r: RingRollout, signal: Signal, c: EvalContext, primary: Comparison | undefined, gapped: boolean, rows: CellRow[]) {
  const { s } = c;
  const key = gateKey(r, signal, 'pass');
  let pass = c.passes.get(key);
  if (!pass) c.passes.set(key, (pass = newPassState(newRatioBound(s.passMaxRatio), rows.reduce((n, row) => n + row.expected, 0))));
  const elapsedMs = c.endMs - r.startedAt;
  if (primary && !gapped) {
    const { updated, control } = primary;
    ratioBoundUpdate(pass.bound, updated.newAffected, updated.newAffected + control.newAffected, updated.exposed, control.exposed);
    // Silence ends (devices come back), so its affected count is the most dark at once; crashes and boot
    // loops count new episodes (distinct devices, episodes last crash_episode_secs).
    pass.affected = signal === 'silent' ? Math.max(pass.affected, updated.affected) : pass.affected + updated.newAffected;
    pass.controlEvents += control.newAffected;
    pass.controlDeviceWindows += control.exposed;
    pass.exposedDeviceWindows += updated.exposed;
  }
  const passInput: PassInput = {
    comparable: primary !== undefined && primary.control.exposed >= s.minControl,
    elapsedMs,
    watchedNow: primary && elapsedMs >= s.soakMs ? primary.updated.exposed - primary.updated.affected : 0,
    controlFraction: primary && primary.control.exposed ? primary.control.affected / primary.control.exposed : 0,
  };
  return { pass, passInput };
}
