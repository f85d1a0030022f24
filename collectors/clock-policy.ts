// Receipt-time clock policy. Device clocks may be hours or years off, so the server's receipt time is
// the truth detection windows by; the device time is kept as `eventAt` for ordering within a device:
// - more than max_future_skew_secs ahead of receipt: refused (a clock that far ahead is broken);
// - ahead by less than that: clamped to the receipt time (an event cannot come from the future);
// - more than max_past_age_secs before receipt: refused (late backfill must not look like a spike);
// - otherwise kept as sent.
// Sentry's equivalent bounds are +60 s / -30 days (integrations.md); ours are settings.
import { timestampMs } from '../common/contract/formats.ts';

export interface ClockPolicy {
  maxFutureSkewMs: number;
  maxPastAgeMs: number;
}

export type TimeVerdict =
  | { ok: true; eventAtMs: number; clamped: boolean }
  | { ok: false; reason: 'future_timestamp' | 'stale_timestamp' | 'invalid_field'; message: string };

export function clockPolicyOf(s: { max_future_skew_secs: number; max_past_age_secs: number }): ClockPolicy {
  return { maxFutureSkewMs: s.max_future_skew_secs * 1000, maxPastAgeMs: s.max_past_age_secs * 1000 };
}

/** Judge a device time (RFC 3339, already schema-valid) against the receipt time. */
export function applyClockPolicy(deviceTime: string, receivedAtMs: number, policy: ClockPolicy): TimeVerdict {
  // The schema's check has just parsed this string (timestampMs remembers the last one): no second parse.
  const deviceMs = timestampMs(deviceTime);
  if (Number.isNaN(deviceMs)) return { ok: false, reason: 'invalid_field', message: 'not a valid RFC 3339 date-time' };
  const ahead = deviceMs - receivedAtMs;
  if (ahead > policy.maxFutureSkewMs) {
    return { ok: false, reason: 'future_timestamp', message: `more than ${policy.maxFutureSkewMs / 1000} s ahead of the server's receipt time` };
  }
  if (-ahead > policy.maxPastAgeMs) {
    return { ok: false, reason: 'stale_timestamp', message: `more than ${policy.maxPastAgeMs / 1000} s older than the server's receipt time` };
  }
  if (ahead > 0) return { ok: true, eventAtMs: receivedAtMs, clamped: true };
  return { ok: true, eventAtMs: deviceMs, clamped: false };
}
