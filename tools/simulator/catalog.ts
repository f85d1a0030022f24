// What a device runs, stored as one small id per device: every distinct combination of component
// versions is interned once here, with its `components` object and its crash-rate factor, so a heartbeat
// reuses a shared object instead of building one, and 100,000 devices cost two bytes each for it.
import type { Scenario } from './scenario-schema.ts';

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
  private readonly factors: number[][];
  readonly combos: Combo[] = [];
  private readonly byKey = new Map<string, number>();

  constructor(scenario: Scenario) {
    this.componentNames = scenario.fleet.components.map((c) => c.name);
    this.versions = scenario.fleet.components.map((c) => [c.version]);
    this.factors = scenario.fleet.components.map(() => [1]);
    for (const r of scenario.releases) {
      const c = this.componentNames.indexOf(r.component);
      if (this.versions[c].includes(r.version)) continue;
      this.versions[c].push(r.version);
      this.factors[c].push(r.effect === 'crash_rate' ? r.crash_multiplier : 1);
    }
    this.intern(this.componentNames.map(() => 0));
  }

  /** The id of a combination, created on first use. */
  intern(versions: number[]): number {
    const key = versions.join(',');
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const components = Object.freeze(Object.fromEntries(this.componentNames.map((n, c) => [n, this.versions[c][versions[c]]])));
    const crashFactor = versions.reduce((f, v, c) => f * this.factors[c][v], 1);
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
