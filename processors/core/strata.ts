// Comparison strata: exposed devices are compared with control devices of the same region (time zone)
// and the same values of the configured labels (device class, site), so a first ring drawn from one
// office is judged against comparable devices, not against the night elsewhere. Crash reports carry a
// region but no labels: crashes are compared per region (the label part reads '*').
export const CRASH_LABELS = '*';

export function stratumOf(region: string | undefined, labels: Record<string, string> | undefined, names: readonly string[]): string {
  const parts = names.map((n) => labels?.[n] ?? '');
  return `${region ?? 'unknown'}|${parts.join('|')}`;
}

/** What stratumOf joins: the region, then each label's value. */
export function stratumParts(region: string | undefined, labels: Record<string, string> | undefined, names: readonly string[]): string[] {
  return [region ?? 'unknown', ...names.map((n) => labels?.[n] ?? '')];
}

/** Whether region and labels are `parts` again (stratumOf would give the same string), without building it. */
export function sameStratum(parts: readonly string[], region: string | undefined, labels: Record<string, string> | undefined, names: readonly string[]): boolean {
  if (parts[0] !== (region ?? 'unknown')) return false;
  for (let i = 0; i < names.length; i++) if (parts[i + 1] !== (labels?.[names[i]] ?? '')) return false;
  return true;
}

/**
 * Appended to a device's stratum when it was heard in every hour of the last `strata_always_on_hours` (a
 * server, a machine left on): such devices are compared only with each other, whatever labels the
 * heartbeats carry, so an office ring is not judged against its region's data centres at night.
 */
export const ALWAYS_ON = 'always-on';

export const alwaysOnStratum = (stratum: string): string => `${stratum}|${ALWAYS_ON}`;

export const crashStratum = (region: string | undefined): string => `${region ?? 'unknown'}|${CRASH_LABELS}`;

/** The region part of a stratum (crash comparisons group strata by it). */
export const regionOfStratum = (stratum: string): string => stratum.slice(0, stratum.indexOf('|'));
