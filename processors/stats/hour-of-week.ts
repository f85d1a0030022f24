// Hour-of-week baseline of a per-device rate (events per device-window): exponentially decayed sums per
// slot, shrunk toward the all-hours rate so a slot seen rarely borrows strength from the rest.
export const SLOTS_PER_WEEK = 168;
const HOUR_MS = 3_600_000;
// 1970-01-01 was a Thursday; slot 0 is Monday 00:00 UTC.
const EPOCH_WEEKDAY_OFFSET_HOURS = 3 * 24;

export const hourOfWeek = (ms: number): number =>
  (Math.floor(ms / HOUR_MS) + EPOCH_WEEKDAY_OFFSET_HOURS) % SLOTS_PER_WEEK;

export interface Baseline {
  events: number[];
  exposure: number[];
  totalEvents: number;
  totalExposure: number;
  windows: number;
}

export const newBaseline = (): Baseline => ({
  events: new Array<number>(SLOTS_PER_WEEK).fill(0),
  exposure: new Array<number>(SLOTS_PER_WEEK).fill(0),
  totalEvents: 0,
  totalExposure: 0,
  windows: 0,
});

/** Add one window's events and exposure; `decay` (0..1] multiplies the slot's history first. */
export function baselineAdd(b: Baseline, atMs: number, events: number, exposure: number, decay: number): void {
  const slot = hourOfWeek(atMs);
  b.events[slot] = b.events[slot] * decay + events;
  b.exposure[slot] = b.exposure[slot] * decay + exposure;
  b.totalEvents = b.totalEvents * decay + events;
  b.totalExposure = b.totalExposure * decay + exposure;
  b.windows++;
}

/**
 * Expected rate at `atMs` from that hour's own history: its hour of the week, or, while that slot has never
 * been seen (the first week), the same hour on the other days seen; undefined when the hour was never seen
 * on any day. For scopes that follow the clock (offices going home), the all-hours rate is no estimate of an
 * hour it has never seen: at night it expects the day.
 */
export function hourRate(b: Baseline, atMs: number, priorExposure: number): number | undefined {
  const slot = hourOfWeek(atMs);
  if (b.exposure[slot] > 0) return baselineRate(b, atMs, priorExposure);
  let events = 0;
  let exposure = 0;
  for (let s = slot % 24; s < SLOTS_PER_WEEK; s += 24) {
    events += b.events[s];
    exposure += b.exposure[s];
  }
  return exposure > 0 ? events / exposure : undefined;
}

/** Expected rate per device-window at `atMs`, with `priorExposure` device-windows of shrinkage. */
export function baselineRate(b: Baseline, atMs: number, priorExposure: number): number {
  const overall = (b.totalEvents + 0.5) / (b.totalExposure + 1);
  const slot = hourOfWeek(atMs);
  return (b.events[slot] + priorExposure * overall) / (b.exposure[slot] + priorExposure);
}
