// What a device runs, stored as one small id per device: every distinct combination of component
// versions is interned once here, with its `components` object and its crash-rate factor, so a heartbeat
// reuses a shared object instead of building one, and 100,000 devices cost two bytes each for it.
import { hashUnit } from './rng.ts';
import type { ReleaseSpec, Scenario } from './scenario-schema.ts';

export interface Combo {
  /** Version index per component (index into Catalog.versions[c]). */
  versions: number[];
  /** name -> version, shared by every event of every device with this combination; never mutate it. */
  components: Readonly<Record<string, string>>;
  /** Product of the crash-rate factors of the releases this combination contains. */
  crashFactor: number;
}

export class Catalog {
  readonly componentNames: string[];
  /** versions[c][v]: version string v of component c; index 0 is the fleet's starting version. */
  readonly versions: string[][];
  readonly combos: Combo[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly releases: ReleaseSpec[];
  /** Per component: cumulative shares of its starting versions (index 0 takes what `others` leave). */
  private readonly startCuts: number[][];

  constructor(scenario: Scenario) {
    this.componentNames = scenario.fleet.components.map((c) => c.name);
    this.versions = scenario.fleet.components.map((c) => [c.version, ...c.others.map((o) => o.version)]);
    this.startCuts = scenario.fleet.components.map((c) => {
      const cuts: number[] = [];
      let cut = 0;
      for (const o of c.others) cuts.push((cut += o.share));
      return cuts;
    });
    this.releases = scenario.releases;
    for (const r of scenario.releases) {
      const c = this.componentNames.indexOf(r.component);
      if (!this.versions[c].includes(r.version)) this.versions[c].push(r.version);
    }
    this.intern(this.componentNames.map(() => 0));
  }

  /** What device i runs at the start: the fleet's versions, or one of `others` (a hash of seed and device). */
  initialCombo(seed: number, i: number): number {
    if (this.startCuts.every((c) => c.length === 0)) return 0;
    return this.intern(this.startCuts.map((cuts, c) => {
      const u = hashUnit(seed, i, 30 + c);
      const k = cuts.findIndex((cut) => u < cut);
      return k < 0 ? 0 : k + 1;
    }));
  }

  /** Does a combination meet a release's `only_with` condition (no condition: always)? */
  meets(versions: readonly number[], spec: ReleaseSpec): boolean {
    if (!spec.only_with) return true;
    const c = this.componentIndex(spec.only_with.component);
    return spec.only_with.versions.includes(this.versions[c][versions[c]]);
  }

  // Product of the crash-rate factors of the crash_rate releases a combination runs (and whose
  // only_with condition it meets).
  private crashFactorOf(versions: number[]): number {
    let f = 1;
    for (const r of this.releases) {
      if (r.effect !== 'crash_rate') continue;
      const c = this.componentIndex(r.component);
      if (this.versions[c][versions[c]] === r.version && this.meets(versions, r)) f *= r.crash_multiplier;
    }
    return f;
  }

  /** The id of a combination, created on first use. */
  intern(versions: number[]): number {
    const key = versions.join(',');
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const components = Object.freeze(Object.fromEntries(this.componentNames.map((n, c) => [n, this.versions[c][versions[c]]])));
    const crashFactor = this.crashFactorOf(versions);
    const id = this.combos.length;
    if (id > 65535) throw new Error('more than 65536 distinct version combinations');
    this.combos.push({ versions: [...versions], components, crashFactor });
    this.byKey.set(key, id);
    return id;
  }

  /** The combination `combo` with component c at version v. */
  withVersion(combo: number, c: number, v: number): number {
    const versions = [...this.combos[combo].versions];
    versions[c] = v;
    return this.intern(versions);
  }

  componentIndex(name: string): number {
    return this.componentNames.indexOf(name);
  }

  versionIndex(c: number, version: string): number {
    return this.versions[c].indexOf(version);
  }
}
