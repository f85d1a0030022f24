// Retry with exponential backoff and jitter; used where waiting beats failing (start-up, delivery).
// Two ways to bound it: a number of attempts (the error of the last one is thrown as it is), or a deadline
// (then the caller gets a RetryGaveUpError that says what was tried, for how long, and the last error).
import type { Logger } from '../telemetry/logger.ts';
import { systemClock, type Clock } from './clock.ts';

export interface RetryPolicy {
  /** Most attempts. Without a deadline it is required; with one, the deadline alone bounds the retries. */
  attempts?: number;
  /**
   * Give up once this many ms have passed since the first attempt: no attempt starts after it, and an
   * attempt still running then is no longer waited for.
   */
  deadlineMs?: number;
  initialMs: number;
  maxMs: number;
  logger?: Logger;
  what?: string;
  /** Return false for errors that must not be retried. */
  retryable?: (err: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
  /** Measures the deadline (tests pass a manual clock whose `sleep` advances it). */
  clock?: Clock;
  random?: () => number;
  /** Stops the retries (the abort reason is thrown). */
  signal?: AbortSignal;
  /** How an error is told in logs and the give-up report (default: describeError). */
  describe?: (err: unknown) => string;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Backoff before retry `attempt` (1-based): jitter over the upper half of an exponentially growing cap. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const cap = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + random() * cap / 2);
}

export type GaveUpCause = 'deadline' | 'permanent';

/** A deadline-bounded retry that gave up. Never retried by an enclosing retry: it has done the waiting. */
export class RetryGaveUpError extends Error {
  readonly what: string;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly lastError: unknown;
  readonly gaveUp: GaveUpCause;

  constructor(o: { what: string; attempts: number; elapsedMs: number; deadlineMs: number; lastError: unknown; gaveUp: GaveUpCause; described?: string }) {
    const tried = `${o.attempts} attempt${o.attempts === 1 ? '' : 's'} in ${o.elapsedMs} ms`;
    const why = o.gaveUp === 'deadline' ? `gave up after ${tried} (deadline ${o.deadlineMs} ms)` : `failed after ${tried}, not retried (permanent error)`;
    super(`${o.what}: ${why}; last error: ${o.described ?? describeError(o.lastError)}`, { cause: o.lastError });
    this.name = 'RetryGaveUpError';
    this.what = o.what;
    this.attempts = o.attempts;
    this.elapsedMs = o.elapsedMs;
    this.lastError = o.lastError;
    this.gaveUp = o.gaveUp;
  }
}

/** "Name TYPE: message" of an error, for reports (kafkajs protocol errors carry a `type`). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const type = (err as { type?: unknown }).type;
  return `${err.name}${typeof type === 'string' ? ` ${type}` : ''}: ${err.message}`;
}

const STILL_RUNNING = Symbol('still running');

/** `fn`, but not waited for past `ms` (its late outcome is ignored). */
async function within<T>(fn: () => Promise<T>, ms: number): Promise<T | typeof STILL_RUNNING> {
  let timer: NodeJS.Timeout | undefined;
  const running = fn();
  running.catch(() => {}); // a late rejection is nobody's to handle
  try {
    return await Promise.race([running, new Promise<typeof STILL_RUNNING>((resolve) => { timer = setTimeout(() => resolve(STILL_RUNNING), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

export async function withRetries<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const wait = policy.sleep ?? sleep;
  const clock = policy.clock ?? systemClock;
  const what = policy.what ?? 'operation';
  const { deadlineMs } = policy;
  const maxAttempts = policy.attempts ?? (deadlineMs === undefined ? 1 : Number.POSITIVE_INFINITY);
  const describe = policy.describe ?? describeError;
  const started = clock.now();
  const gaveUp = (attempts: number, lastError: unknown, cause: GaveUpCause) => new RetryGaveUpError({
    what, attempts, elapsedMs: clock.now() - started, deadlineMs: deadlineMs ?? 0, lastError, gaveUp: cause, described: describe(lastError),
  });
  for (let attempt = 1; ; attempt++) {
    policy.signal?.throwIfAborted();
    let err: unknown;
    try {
      if (deadlineMs === undefined) return await fn();
      const outcome = await within(fn, Math.max(0, started + deadlineMs - clock.now()));
      if (outcome !== STILL_RUNNING) return outcome;
      throw gaveUp(attempt, new Error(`attempt ${attempt} still running at the deadline`), 'deadline');
    } catch (caught) {
      err = caught;
    }
    if (err instanceof RetryGaveUpError) throw err;
    const retryable = policy.retryable?.(err) ?? true;
    if (!retryable) throw deadlineMs === undefined ? err : gaveUp(attempt, err, 'permanent');
    if (attempt >= maxAttempts) throw deadlineMs === undefined ? err : gaveUp(attempt, err, 'deadline');
    let delay = backoffMs(attempt, policy.initialMs, policy.maxMs, policy.random);
    if (deadlineMs !== undefined) {
      const remaining = started + deadlineMs - clock.now();
      if (remaining <= 0) throw gaveUp(attempt, err, 'deadline');
      delay = Math.min(delay, remaining);
    }
    policy.logger?.warn({ attempt, delayMs: delay, err: describe(err) }, `retrying: ${what}`);
    await wait(delay);
    if (deadlineMs !== undefined && clock.now() - started >= deadlineMs) throw gaveUp(attempt, err, 'deadline');
  }
}
