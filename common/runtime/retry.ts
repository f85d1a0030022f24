// Retry with exponential backoff and full jitter; used where waiting beats failing (start-up, delivery).
import type { Logger } from '../telemetry/logger.ts';

export interface RetryPolicy {
  attempts: number;
  initialMs: number;
  maxMs: number;
  logger?: Logger;
  what?: string;
  /** Return false for errors that must not be retried. */
  retryable?: (err: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Backoff before retry `attempt` (1-based): full jitter over an exponentially growing cap. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const cap = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + random() * cap / 2);
}

export async function withRetries<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const wait = policy.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retryable = policy.retryable?.(err) ?? true;
      if (!retryable || attempt >= policy.attempts) throw err;
      const delay = backoffMs(attempt, policy.initialMs, policy.maxMs);
      policy.logger?.warn({ attempt, delayMs: delay, err: (err as Error).message }, `retrying: ${policy.what ?? 'operation'}`);
      await wait(delay);
    }
  }
}
