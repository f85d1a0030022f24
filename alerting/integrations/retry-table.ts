// The retry table every outbound integration shares (PagerDuty Events API v2 docs; Alertmanager
// notify/util.go): 2xx delivered; 408 and 429 retried (429 after Retry-After); any other 4xx refused for
// good; 5xx, timeouts and network errors retried with backoff, without an attempt limit.
import { backoffMs } from '../../common/runtime/retry.ts';

/** Closed set of delivery outcomes' reasons (metric label `reason`). */
export const DELIVERY_REASONS = [
  'ok', 'bad_request', 'rejected', 'not_configured', 'rate_limited', 'server_error', 'timeout', 'network', 'bus_unavailable',
] as const;
export type DeliveryReason = (typeof DELIVERY_REASONS)[number];

export const PERMANENT_REASONS: DeliveryReason[] = ['bad_request', 'rejected', 'not_configured'];
export const RETRY_REASONS: DeliveryReason[] = ['rate_limited', 'server_error', 'timeout', 'network', 'bus_unavailable'];

export type Attempt =
  | { kind: 'ok' }
  | { kind: 'permanent'; reason: DeliveryReason; status?: number }
  | { kind: 'retry'; reason: DeliveryReason; status?: number; retryAfterMs?: number };

/** Retry-After: delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function classifyStatus(status: number, retryAfter: string | null | undefined, now: number): Attempt {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 429) return { kind: 'retry', reason: 'rate_limited', status, retryAfterMs: parseRetryAfter(retryAfter, now) };
  if (status === 408) return { kind: 'retry', reason: 'timeout', status };
  if (status >= 500) return { kind: 'retry', reason: 'server_error', status, retryAfterMs: parseRetryAfter(retryAfter, now) };
  return { kind: 'permanent', reason: status === 400 ? 'bad_request' : 'rejected', status };
}

/** Errors of the request itself: our timeout, or the network (refused, reset, DNS). Never permanent. */
export function classifyError(err: unknown): Attempt {
  const name = (err as Error)?.name;
  return { kind: 'retry', reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network' };
}

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

/** Delay before the next attempt: exponential with jitter, at least what Retry-After asked, at most maxMs. */
export function retryDelayMs(attempt: Attempt, attemptsSoFar: number, s: BackoffSettings, random = Math.random): number {
  const backoff = backoffMs(attemptsSoFar + 1, s.initialMs, s.maxMs, random);
  const asked = attempt.kind === 'retry' ? attempt.retryAfterMs ?? 0 : 0;
  return Math.min(s.maxMs, Math.max(backoff, asked));
}
