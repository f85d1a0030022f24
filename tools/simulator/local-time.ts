// Local time of a site or region: its UTC offset, one hour more while summer time (daylight saving) is in
// force. Real fleets move their office hours by an hour in UTC twice a year, region by region on different
// dates (Europe on the last Sunday of March, the US on the second), and some sites never do (Arizona,
// India): a device's last weekday is then an hour off its today. Summer-time instants are absolute (UTC),
// so, like holidays, they are only meaningful at day_secs 86400.

/** A span of summer time, in ms since the epoch: [fromMs, toMs). */
export interface SummerTime {
  fromMs: number;
  toMs: number;
}

/** Parse a scenario's summer-time spans ({ from, to } as RFC 3339 instants). */
export function summerTimesOf(spans: readonly { from: string; to: string }[] | undefined): SummerTime[] {
  return (spans ?? []).map((s) => ({ fromMs: Date.parse(s.from), toMs: Date.parse(s.to) }));
}

/** The offset from UTC at `atMs`: `baseMs`, plus one (possibly compressed) hour within a summer-time span. */
export function offsetAt(baseMs: number, summer: readonly SummerTime[], hourMs: number, atMs: number): number {
  for (const s of summer) if (atMs >= s.fromMs && atMs < s.toMs) return baseMs + hourMs;
  return baseMs;
}
