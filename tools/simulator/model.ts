// The fleet model: pure and seeded. No timers and no I/O: the caller moves virtual time forward with
// advanceTo(t) and gets back every event the collectors would have received before t, in receive order.
// Each device is a small discrete-event machine (heartbeat, crash, offline spell, wake-up, reboot wave,
// release pick-up), visited once per step; its next happenings are times stored in the fleet arrays.
import type { CrashKind, Deployment } from '../../common/contract/events.ts';
import { Catalog } from './catalog.ts';
import { Emitter } from './emitter.ts';
import { BOOT_LOOP, createFleet, FLAG_BOOT_ON_WAKE, FLAG_CRASH_PRONE, FLAG_FRAIL, FLAG_NIGHT_SLEEPER, OFFLINE, ONLINE, type Fleet } from './fleet.ts';
import { CLASS_LAPTOP, CLASS_SERVER, CLASS_WORKSTATION } from './fleet-layout.ts';
import { OfficeHours } from './office-hours.ts';
import { SiteOutages } from './site-outages.ts';
import { Outbox, type SimEvent } from './outbox.ts';
import { createReleaseState, OP_APPLY, OP_NONE, OP_REVERT, scheduleDeployment, type ReleaseState } from './release-state.ts';
import { hashUnit, Rng } from './rng.ts';
import { rolloutPlanOf } from './scenario-load.ts';
import type { Scenario } from './scenario-schema.ts';
import { nightClock, type NightClock } from './night.ts';
import { RebootWaves } from './reboot-waves.ts';
import { applyRelease } from './apply-release.ts';

export interface ModelStats {
  offlineSpells: number;
  nightSleeps: number;
  waveReboots: number;
  backgroundCrashes: number;
  crashReboots: number;
  loopCrashes: number;
  deployments: number;
  /** Workstations and laptops switched off (or put to sleep) outside their office hours. */
  officeOff: number;
  laptopSleeps: number;
  roamingWakes: number;
  sitePowerOffs: number;
}

const HOUR_MS = 3_600_000;
const SIGNATURES: Record<CrashKind, string[]> = {
  kernel: ['IRQL_NOT_LESS_OR_EQUAL ndis.sys', 'DPC_WATCHDOG_VIOLATION storport.sys', 'MEMORY_MANAGEMENT ntoskrnl.exe'],
  agent: ['agent: heap corruption in scanner', 'agent: watchdog timeout'],
  application: ['APPCRASH outlook.exe', 'APPCRASH chrome.exe', 'APPCRASH teams.exe'],
};
export const DEPLOYMENT_COLLECTOR = 'collector-release-tooling';

export class FleetModel {
  readonly scenario: Scenario;
  readonly startMs: number;
  readonly fleet: Fleet;
  readonly catalog: Catalog;
  readonly emitter: Emitter;
  readonly releases: ReleaseState[];
  readonly ringNames: string[];
  readonly stats: ModelStats = {
    offlineSpells: 0, nightSleeps: 0, waveReboots: 0, backgroundCrashes: 0, crashReboots: 0, loopCrashes: 0, deployments: 0,
    officeOff: 0, laptopSleeps: 0, roamingWakes: 0, sitePowerOffs: 0,
  };
  readonly office: OfficeHours;
  readonly siteOutages: SiteOutages;
  private readonly rng: Rng;
  private readonly outbox = new Outbox();
  private readonly intervalMs: number;
  private readonly night: NightClock;
  /** Crash rate factor by device class (CLASS_*). */
  private readonly crashByClass: number[] = [];
  private readonly waves: RebootWaves;
  private readonly loopNextMs: number[];
  private nowMs: number;

  /**
   * `clockShiftMs`: the scenario's clock minus the model's, for local time of day (nights, office hours): a
   * live run, whose model runs on the wall clock, keeps the scenario's time of day with it.
   */
  constructor(scenario: Scenario, startMs: number, runId = `s${scenario.seed}`, clockShiftMs = 0) {
    this.scenario = scenario;
    this.startMs = this.nowMs = startMs;
    this.rng = new Rng(scenario.seed);
    this.catalog = new Catalog(scenario);
    this.fleet = createFleet(scenario, startMs, this.catalog);
    this.office = new OfficeHours(scenario, this.fleet, clockShiftMs);
    this.siteOutages = new SiteOutages(scenario, startMs);
    this.emitter = new Emitter(scenario, startMs, this.fleet, this.catalog, this.outbox, this.rng, runId, this.siteOutages);
    this.ringNames = scenario.fleet.rings.map((r) => r.name);
    this.releases = scenario.releases.map((r) => createReleaseState(r, rolloutPlanOf(scenario, r), this.catalog, this.fleet, this.ringNames.length));
    this.intervalMs = scenario.fleet.heartbeat_interval_secs * 1000;
    this.night = nightClock(scenario, clockShiftMs);
    const byClass = scenario.noise.crash_class_multipliers;
    this.crashByClass[CLASS_SERVER] = byClass.server;
    this.crashByClass[CLASS_WORKSTATION] = byClass.workstation;
    this.crashByClass[CLASS_LAPTOP] = byClass.laptop;
    this.waves = new RebootWaves(scenario, startMs);
    this.loopNextMs = scenario.noise.crash_loops.map((l) => startMs + l.start_secs * 1000);
    const f = this.fleet;
    for (let i = 0; i < f.size; i++) {
      f.nextCrash[i] = startMs + this.rng.exp(this.crashMeanMs(i));
      f.nextOffline[i] = startMs + this.rng.exp(this.offlineMeanMs(i));
      f.wakeAt[i] = Infinity;
      f.nextReboot[i] = this.waves.nextAfter(scenario.seed, i, startMs - 1);
    }
  }

  get now(): number {
    return this.nowMs;
  }

  /** Events queued for delivery after the current time (late, held back by an outage). */
  get inFlight(): number {
    return this.outbox.pending;
  }

  /** Run the fleet up to `untilMs` and return what the collectors received before it, in receive order. */
  advanceTo(untilMs: number): SimEvent[] {
    if (untilMs < this.nowMs) throw new Error(`time goes forward only (${untilMs} < ${this.nowMs})`);
    this.outbox.beginStep(untilMs);
    this.runCrashLoops(untilMs);
    for (let i = 0; i < this.fleet.size; i++) this.stepDevice(i, untilMs);
    this.nowMs = untilMs;
    return this.outbox.drain(untilMs);
  }

  /**
   * The release tool did something: schedule its effect on devices, and (in-process runs) emit the event,
   * which reaches the collector `feedDelayMs` later (a rollout feed that arrives minutes late).
   */
  applyDeployment(release: number, dep: Deployment, emit: boolean, feedDelayMs = 0): void {
    const ring = this.ringNames.indexOf(dep.ring);
    scheduleDeployment(this.releases[release], dep, this.nowMs, ring, this.fleet, this.catalog, this.rng);
    this.stats.deployments++;
    if (emit) this.outbox.push('deployment', this.nowMs + feedDelayMs, this.nowMs, DEPLOYMENT_COLLECTOR, dep);
  }

  crashMeanMs(i: number): number {
    const n = this.scenario.noise;
    const prone = this.fleet.flags[i] & FLAG_CRASH_PRONE ? n.crash_prone_multiplier : 1;
    const rate = n.crash_per_device_hour * prone * this.crashByClass[this.fleet.cls[i]] * this.catalog.combos[this.fleet.combo[i]].crashFactor;
    return rate > 0 ? HOUR_MS / rate : Infinity;
  }

  /** Mean time to the device's next offline spell: network loss, sleeps (laptops), more for frail devices. */
  offlineMeanMs(i: number): number {
    const f = this.fleet;
    let rate = this.scenario.noise.offline_per_device_hour;
    if (f.flags[i] & FLAG_FRAIL) rate *= this.scenario.noise.frail_offline_multiplier;
    if (f.cls[i] === CLASS_LAPTOP) rate += this.scenario.fleet.device_classes.laptop.sleep_per_hour;
    return HOUR_MS / rate;
  }

  /** If device i's site has no power at `t`, switch it off until it is back; true if so. */
  private darkened(i: number, t: number): boolean {
    if (!this.siteOutages.any) return false;
    const until = this.siteOutages.darkUntil(this.fleet.site[i], t);
    if (until === undefined) return false;
    this.stats.sitePowerOffs++;
    this.goOffline(i, until, true);
    return true;
  }

  /** Outside its office hours a workstation shuts down, a laptop sleeps, until the next working morning. */
  private offDuty(i: number, t: number): boolean {
    if (!this.office.active || !this.office.scheduled(i)) return false;
    const on = this.office.nextOn(i, t);
    if (on <= t) return false;
    this.stats.officeOff++;
    this.goOffline(i, on, this.fleet.cls[i] === CLASS_WORKSTATION);
    return true;
  }

  /** Silence the device until `untilMs`; nothing happens to it while it is off. */
  goOffline(i: number, untilMs: number, newBoot: boolean): void {
    const f = this.fleet;
    f.state[i] = OFFLINE;
    f.wakeAt[i] = untilMs;
    if (newBoot) f.flags[i] |= FLAG_BOOT_ON_WAKE;
    f.nextHeartbeat[i] = f.nextCrash[i] = f.nextOffline[i] = Infinity;
  }

  private stepDevice(i: number, untilMs: number): void {
    const f = this.fleet;
    for (;;) {
      let t = f.nextHeartbeat[i];
      let what = 0;
      if (f.nextCrash[i] < t) { t = f.nextCrash[i]; what = 1; }
      if (f.nextOffline[i] < t) { t = f.nextOffline[i]; what = 2; }
      if (f.wakeAt[i] < t) { t = f.wakeAt[i]; what = 3; }
      if (f.nextReboot[i] < t) { t = f.nextReboot[i]; what = 4; }
      let release = -1;
      for (let r = 0; r < this.releases.length; r++) {
        if (this.releases[r].pendingAt[i] < t) { t = this.releases[r].pendingAt[i]; what = 5; release = r; }
      }
      if (!(t < untilMs)) return;
      if (what === 0) this.onHeartbeat(i, t);
      else if (what === 1) this.onCrash(i, t);
      else if (what === 2) this.onOffline(i, t);
      else if (what === 3) this.onWake(i, t);
      else if (what === 4) this.onRebootWave(i, t);
      else this.onPending(i, t, this.releases[release]);
    }
  }

  private onHeartbeat(i: number, t: number): void {
    const f = this.fleet;
    if (this.darkened(i, t) || this.offDuty(i, t)) return;
    if (f.flags[i] & FLAG_NIGHT_SLEEPER && this.night.isNight(f.region[i], t)) {
      this.stats.nightSleeps++;
      this.goOffline(i, this.night.morningAfter(f.region[i], t) + hashUnit(this.scenario.seed, i, 8) * this.night.hourMs, true);
      return;
    }
    this.emitter.heartbeat(i, t);
    const jitter = this.scenario.fleet.heartbeat_jitter;
    f.nextHeartbeat[i] = t + (f.intervalMs[i] || this.intervalMs) * (1 + jitter * (2 * this.rng.next() - 1));
  }

  private onCrash(i: number, t: number): void {
    const n = this.scenario.noise;
    const f = this.fleet;
    if (this.darkened(i, t)) return;
    const reboot = this.rng.chance(n.crash_reboot_share);
    const kind: CrashKind = reboot ? 'kernel' : this.rng.chance(0.3) ? 'agent' : 'application';
    const signatures = SIGNATURES[kind];
    const bootId = this.emitter.bootIdOf(i);
    f.nextCrash[i] = t + this.rng.exp(this.crashMeanMs(i));
    this.stats.backgroundCrashes++;
    let sendMs = t + n.crash_report_delay_secs * 1000;
    if (reboot) {
      this.stats.crashReboots++;
      this.goOffline(i, t + n.crash_reboot_down_secs * 1000, true);
      sendMs = Math.max(sendMs, f.wakeAt[i]);
    }
    this.emitter.crash(i, t, sendMs, kind, signatures[this.rng.int(signatures.length)], f.combo[i], bootId);
  }

  private onOffline(i: number, t: number): void {
    const n = this.scenario.noise;
    const f = this.fleet;
    if (f.cls[i] === CLASS_LAPTOP) {
      // A laptop's spell is a lid-closed sleep (same boot) or an ordinary drop-out, by their rates.
      const laptop = this.scenario.fleet.device_classes.laptop;
      if (this.rng.next() * (HOUR_MS / this.offlineMeanMs(i)) < laptop.sleep_per_hour) {
        this.stats.laptopSleeps++;
        this.goOffline(i, t + this.rng.exp(laptop.sleep_mean_secs * 1000), false);
        return;
      }
    }
    this.stats.offlineSpells++;
    // Draw order kept (length, then boot) so that scenarios without frail devices keep their streams.
    const until = t + this.rng.exp(n.offline_mean_secs * 1000);
    const newBoot = f.flags[i] & FLAG_FRAIL ? true : this.rng.chance(n.offline_new_boot_share);
    this.goOffline(i, until, newBoot);
  }

  private onWake(i: number, t: number): void {
    const f = this.fleet;
    if (this.darkened(i, t)) return;
    f.state[i] = ONLINE;
    f.wakeAt[i] = Infinity;
    if (f.cls[i] === CLASS_LAPTOP) {
      // A laptop wakes at the office (its region's collector) or elsewhere, behind the remote one.
      const roams = this.rng.chance(this.scenario.fleet.device_classes.laptop.roam_share);
      if (roams) this.stats.roamingWakes++;
      f.collector[i] = roams ? this.emitter.remoteCollector : f.region[i];
    }
    if (f.flags[i] & FLAG_BOOT_ON_WAKE) {
      f.flags[i] &= ~FLAG_BOOT_ON_WAKE;
      f.bootSeq[i]++;
      f.bootAt[i] = t;
    }
    f.nextHeartbeat[i] = t + this.rng.next() * this.intervalMs * 0.5;
    f.nextCrash[i] = t + this.rng.exp(this.crashMeanMs(i));
    f.nextOffline[i] = t + this.rng.exp(this.offlineMeanMs(i));
  }

  private onRebootWave(i: number, t: number): void {
    const f = this.fleet;
    if (f.state[i] === ONLINE) {
      this.stats.waveReboots++;
      this.goOffline(i, t + this.waves.downMsAt(t), true);
    }
    f.nextReboot[i] = this.waves.nextAfter(this.scenario.seed, i, t);
  }

  private onPending(i: number, t: number, rel: ReleaseState): void {
    const f = this.fleet;
    const op = rel.pendingOp[i];
    if (f.state[i] === ONLINE && this.darkened(i, t)) {
      rel.pendingAt[i] = f.wakeAt[i] + this.rng.next() * this.intervalMs;
      return;
    }
    if (f.state[i] === OFFLINE) {
      // Picked up (or reverted) once the device is back.
      rel.pendingAt[i] = f.wakeAt[i] + this.rng.next() * this.intervalMs;
      return;
    }
    rel.pendingOp[i] = OP_NONE;
    rel.pendingAt[i] = Infinity;
    if (f.state[i] === BOOT_LOOP) return;
    if (op === OP_APPLY) applyRelease(this, i, t, rel, this.rng);
    else if (op === OP_REVERT && this.catalog.combos[f.combo[i]].versions[rel.component] === rel.version) {
      f.combo[i] = this.catalog.withVersion(f.combo[i], rel.component, rel.previous[i]);
      if (rel.spec.heartbeat_interval_secs > 0) f.intervalMs[i] = 0;
      rel.reverted++;
      f.nextCrash[i] = t + this.rng.exp(this.crashMeanMs(i));
    }
  }

  private runCrashLoops(untilMs: number): void {
    this.scenario.noise.crash_loops.forEach((loop, k) => {
      const endMs = this.startMs + (loop.start_secs + loop.duration_secs) * 1000;
      const periodMs = 60_000 / loop.crashes_per_min;
      const i = loop.device;
      for (; this.loopNextMs[k] < Math.min(untilMs, endMs); this.loopNextMs[k] += periodMs) {
        if (this.fleet.state[i] === BOOT_LOOP) continue;
        this.stats.loopCrashes++;
        const t = this.loopNextMs[k];
        this.emitter.crash(i, t, t, 'application', 'APPCRASH updater.exe (crash loop)', this.fleet.combo[i], this.emitter.bootIdOf(i));
      }
    });
  }
}
