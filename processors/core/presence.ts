// Silent is not offline. Each device keeps a presence profile: one bit per hour of the day, for weekdays
// and weekends apart (UTC days; 6 bytes), "heard during the last occurrence of that hour". When it goes
// quiet we ask whether it is usually heard in the hours after its last heartbeat: a workstation going home
// at 18:05 was not heard at 19:00 the last weekday (its usual quiet: censored, no evidence), a device
// dying at 11:00 was heard at 12:00 (unexpected: a failure signal). Without that history (a new device,
// its first day) the silence counts as unexpected: same-time, stratified controls still see the night as
// the night. (A full hour-of-week profile would cost 21 bytes a device; weekday/weekend keeps 6.)
import { PRESENCE_BYTES } from './device-table.ts';

const HOUR_MS = 3_600_000;
const WEEK_HOURS = 168;
// 1970-01-01 was a Thursday: day d is a weekend day when (d + 3) % 7 is 5 or 6.
const weekend = (hour: number) => (Math.floor(hour / 24) + 3) % 7 >= 5;
const slotOf = (hour: number) => (hour % 24) + (weekend(hour) ? 24 : 0);

const bit = (p: Uint8Array, row: number, slot: number) => (p[row * PRESENCE_BYTES + (slot >>> 3)] >>> (slot & 7)) & 1;

/** A heartbeat at `tMs` after one at `prevMs` (0: first): hours in between were not heard, this one was. */
export function notePresence(p: Uint8Array, row: number, prevMs: number, tMs: number): void {
  const base = row * PRESENCE_BYTES;
  const h = Math.floor(tMs / HOUR_MS);
  if (prevMs > 0 && tMs > prevMs) {
    const ph = Math.floor(prevMs / HOUR_MS);
    if (h - ph >= WEEK_HOURS) p.fill(0, base, base + PRESENCE_BYTES);
    else for (let x = ph + 1; x < h; x++) p[base + (slotOf(x) >>> 3)] &= ~(1 << (slotOf(x) & 7));
  }
  const slot = slotOf(h);
  p[base + (slot >>> 3)] |= 1 << (slot & 7);
}

/** The previous occurrence of an hour's slot (the same hour on the last day of the same kind). */
function previousOccurrence(hour: number): number {
  for (let back = 24; back <= WEEK_HOURS; back += 24) if (weekend(hour - back) === weekend(hour)) return hour - back;
  return hour - WEEK_HOURS;
}

/**
 * Was the device heard in every one of the `hours` clock hours up to and including the hour of its last
 * heartbeat (`lastMs`)? Servers and machines left on are; a workstation that was off last night, a laptop
 * that slept through an hour, and a device tracked for fewer hours are not. Read from the profile's last
 * day, so `hours` is at most 24 (each hour of the last day is its slot's latest occurrence; an hour without
 * a heartbeat was cleared when the next one came). Decided from the time before its last heartbeat only,
 * so a device's class never depends on what happened to it afterwards.
 */
export function heardThroughout(p: Uint8Array, row: number, lastMs: number, hours: number): boolean {
  if (hours <= 0) return false;
  const lastHour = Math.floor(lastMs / HOUR_MS);
  for (let h = lastHour - 1; h > lastHour - hours; h--) if (!bit(p, row, slotOf(h))) return false;
  return true;
}

/**
 * Is a device that has been quiet since `lastMs` usually heard by `endMs`? Looks at every hour from the
 * one after its last heartbeat to now, in its previous occurrence (the last day of the same kind). Heard
 * in any of them, or any of them unknown (not tracked then): true, its silence is evidence. False only when
 * each of those hours is known to be one it is usually quiet in.
 */
export function expectedOnline(p: Uint8Array, row: number, lastMs: number, endMs: number, firstSeenMs: number): boolean {
  const lastHour = Math.floor(lastMs / HOUR_MS);
  const from = lastHour + 1;
  const to = Math.max(from, Math.floor((endMs - 1) / HOUR_MS));
  for (let h = from; h <= to; h++) {
    const occ = previousOccurrence(h);
    if (occ * HOUR_MS < firstSeenMs || occ > lastHour) return true;
    if (bit(p, row, slotOf(occ))) return true;
  }
  return false;
}
