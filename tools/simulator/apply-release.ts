// What happens on a device that picks a release up, by the release's effect:
// - healthy / crash_rate: it runs the new version from now on (crash_rate: its crash rate is multiplied);
//   with `restart_secs`, it first restarts to finish the update (dark for a while, then a new boot id);
//   with `heartbeat_interval_secs`, it heartbeats at that interval from then on;
// - catastrophic: it crashes while loading the release and boot-loops: no heartbeat ever again, a crash
//   report only rarely, and its last heartbeat still names the OLD version (CrowdStrike, 19 July 2024).
// With agent.report_applying, a heartbeat naming the version about to be applied goes out first.
// A release with `only_with` has its effect only on devices running one of the named versions of another
// component (19 July: the content crashed sensors 7.11 and later); the others run it as a healthy one.
import type { FleetModel } from './model.ts';
import { BOOT_LOOP } from './fleet.ts';
import type { ReleaseState } from './release-state.ts';
import type { Rng } from './rng.ts';

export function applyRelease(model: FleetModel, i: number, t: number, rel: ReleaseState, rng: Rng): void {
  const f = model.fleet;
  const { component, version, spec } = rel;
  if (model.scenario.agent.report_applying) model.emitter.heartbeat(i, t, { [spec.component]: spec.version });
  rel.received[i] = 1;
  rel.receivedByRing[f.ring[i]]++;
  rel.firstReceivedAtMs ??= t;
  const updated = model.catalog.withVersion(f.combo[i], component, version);
  const combo = model.catalog.combos[f.combo[i]];
  if (spec.effect === 'catastrophic' && model.catalog.meets(combo.versions, spec)) {
    rel.bootLoops++;
    rel.failedAtMs.push(t);
    rel.failedRing.push(f.ring[i]);
    if (rng.chance(spec.crash_report_share)) {
      const delayMs = model.scenario.noise.crash_report_delay_secs * 1000;
      model.emitter.crash(i, t, t + delayMs, 'kernel', `PAGE_FAULT_IN_NONPAGED_AREA ${spec.component}`, updated, model.emitter.bootIdOf(i));
    }
    model.goOffline(i, Infinity, false);
    f.state[i] = BOOT_LOOP;
    f.nextReboot[i] = Infinity;
    return;
  }
  rel.previous[i] = model.catalog.combos[f.combo[i]].versions[component];
  f.combo[i] = updated;
  if (spec.heartbeat_interval_secs > 0) f.intervalMs[i] = spec.heartbeat_interval_secs * 1000;
  f.nextCrash[i] = t + rng.exp(model.crashMeanMs(i));
  // An update that restarts the device to finish: dark for a while, back with a new boot id.
  if (spec.restart_secs > 0) model.goOffline(i, t + spec.restart_secs * 1000 * (0.5 + rng.next()), true);
}
