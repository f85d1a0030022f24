// Shared pieces of the two open-addressing indexes (device table, event dedup): linear probing over an
// Int32Array of entry numbers, -1 for empty, and backward-shift deletion so no tombstones accumulate.
export const EMPTY_SLOT = -1;

/** Put `entry` in the first free slot from its home. */
export function placeEntry(slots: Int32Array, mask: number, home: number, entry: number): void {
  let s = home & mask;
  while (slots[s] !== EMPTY_SLOT) s = (s + 1) & mask;
  slots[s] = entry;
}

/** Remove `entry` (whose home slot is `home`), pulling later entries of its probe run into the hole. */
export function removeEntry(slots: Int32Array, mask: number, home: number, entry: number, homeOf: (entry: number) => number): void {
  let hole = home & mask;
  while (slots[hole] !== entry) hole = (hole + 1) & mask;
  for (let j = (hole + 1) & mask; slots[j] !== EMPTY_SLOT; j = (j + 1) & mask) {
    const h = homeOf(slots[j]) & mask;
    if (((hole - h) & mask) <= ((j - h) & mask)) {
      slots[hole] = slots[j];
      hole = j;
    }
  }
  slots[hole] = EMPTY_SLOT;
}
