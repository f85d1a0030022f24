// The incidents topic's format: the alerter's durable state on a compacted, single-partition topic. The key
// names what the record is by its prefix; the value is that state as a JSON object (its shape is the
// alerter's own model, alerting/core/model.ts), and a deletion is a tombstone (null value) so compaction
// drops it. Only the alerter writes and reads this topic; a record that is not one of these kinds, or not
// a JSON object, is refused with the reason (and kept in the dead-letter topic) instead of being restored.
import type { Validation } from './validate.ts';

/**
 * Key prefixes: one (release, ring), one telemetry-gap scope, one unattributed change (ring, signal), one
 * incident, one pending delivery, one PagerDuty alert's routing key. Every writer builds its keys from these.
 */
export const STATE_KEYS = { releaseRing: 'rr|', gap: 'gap|', change: 'ua|', incident: 'incident|', outbox: 'outbox|', pager: 'pager|' } as const;
export const STATE_KEY_PREFIXES: readonly string[] = Object.values(STATE_KEYS);

/** Bound on one key (release and ring names are bounded, so real keys stay far below). */
const MAX_KEY_CHARS = 2048;

export const encodeState = (value: object): Buffer => Buffer.from(JSON.stringify(value));

export function decodeState(key: string, bytes: Buffer): Validation<Record<string, unknown>> {
  if (key.length > MAX_KEY_CHARS || !STATE_KEY_PREFIXES.some((p) => key.startsWith(p))) {
    return { ok: false, errors: [{ path: '(key)', reason: `not an alerter state key (must start with ${STATE_KEY_PREFIXES.join(', ')})` }] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, errors: [{ path: '', reason: `not JSON: ${(err as Error).message}` }] };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, errors: [{ path: '', reason: 'must be a JSON object' }] };
  return { ok: true, value: parsed as Record<string, unknown> };
}
