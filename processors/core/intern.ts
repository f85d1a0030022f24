// Interned values keep per-device state to a few integers: a ring, region or collector is a u16, and a
// device's whole installed-component map (up to 20 name -> version pairs) is one u32 "component set" id,
// shared by every device with the same map. Both tables are bounded; what a bound refuses is counted.
export const OTHER = 'other';

/** String <-> small integer. Id 0 is "other": values past the bound fold into it. */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [OTHER];
  private readonly limit: number;
  folded = 0;

  constructor(limit: number) {
    this.limit = limit;
    this.ids.set(OTHER, 0);
  }

  id(value: string): number {
    const known = this.ids.get(value);
    if (known !== undefined) return known;
    if (this.values.length >= this.limit) {
      this.folded++;
      return 0;
    }
    const id = this.values.length;
    this.ids.set(value, id);
    this.values.push(value);
    return id;
  }

  /** Id of a value already interned, or -1 (without interning it). */
  find(value: string): number {
    return this.ids.get(value) ?? -1;
  }

  value(id: number): string {
    return this.values[id] ?? OTHER;
  }
}

/**
 * Component maps -> u32 ids. Id 0 is "none or unknown" (no components, or the bound was reached).
 * Pairs are kept as [componentId, versionId, ...] over the shared interner.
 */
export class ComponentSets {
  private readonly ids = new Map<string, number>();
  private readonly pairs: Uint16Array[] = [new Uint16Array(0)];
  /** The map each id stands for, in its original order (for the unchanged-map fast path). */
  private readonly entries: [string, string][][] = [[]];
  /**
   * Frozen maps (a compact batch record's events share one frozen object per distinct map) already
   * resolved, so the events after the first cost an identity lookup; and per id the last frozen map found
   * to match it. A frozen map cannot change, so what was found for it stays true.
   */
  private readonly byObject = new WeakMap<object, number>();
  private readonly objectOf: (object | undefined)[] = [];
  private readonly limit: number;
  readonly names: Interner;
  refused = 0;

  constructor(names: Interner, limit: number) {
    this.names = names;
    this.limit = limit;
  }

  id(components: Record<string, string> | undefined): number {
    if (!components) return 0;
    if (!Object.isFrozen(components)) return this.lookup(components);
    const known = this.byObject.get(components);
    if (known !== undefined) return known;
    const id = this.lookup(components);
    if (id !== 0) {
      this.byObject.set(components, id);
      this.objectOf[id] = components;
    }
    return id;
  }

  private lookup(components: Record<string, string>): number {
    // Devices send their map in a stable order, so no sort: the same map in another order only costs a
    // second id with the same pairs, never a wrong count.
    let key = '';
    for (const name in components) key += `${name}\u0000${components[name]}\u0001`;
    if (!key) return 0;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    if (this.pairs.length > this.limit) {
      this.refused++;
      return 0;
    }
    const entries = Object.entries(components);
    const pairs = new Uint16Array(entries.length * 2);
    entries.forEach(([name, version], i) => {
      pairs[2 * i] = this.names.id(name);
      pairs[2 * i + 1] = this.names.id(version);
    });
    const id = this.pairs.length;
    this.ids.set(key, id);
    this.pairs.push(pairs);
    this.entries.push(entries);
    return id;
  }

  /**
   * Whether `components` is exactly the map of set `id`, in the same order. A device's map rarely
   * changes between heartbeats, so checking it against the device's current set first avoids building
   * the lookup key on almost every heartbeat.
   */
  matches(id: number, components: Record<string, string> | undefined): boolean {
    const known = this.entries[id];
    if (!components || !known || id === 0) return false;
    if (this.objectOf[id] === components) return true;
    let i = 0;
    for (const name in components) {
      const e = known[i++];
      if (e === undefined || e[0] !== name || e[1] !== components[name]) return false;
    }
    if (i !== known.length) return false;
    if (Object.isFrozen(components)) this.objectOf[id] = components;
    return true;
  }

  /** [componentId, versionId, ...] of a set. */
  pairsOf(id: number): Uint16Array {
    return this.pairs[id] ?? this.pairs[0];
  }

  get size(): number {
    return this.pairs.length - 1;
  }
}
