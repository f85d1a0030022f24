// Talks to the collectors' HTTP API the way a real agent does: batches of at most batch_max_events,
// a bounded number of requests in flight, a bounded queue (what does not fit is dropped and counted),
// retries with exponential backoff and full jitter on 429, 502-504 and network errors, Retry-After
// honoured (capped), bearer tokens, and a bounded number of attempts per batch.
import { backoffMs, sleep as realSleep } from '../../common/runtime/retry.ts';
import { retryAfterMs } from './retry-after.ts';
import type { DriverMetrics } from './metrics.ts';

export const ENDPOINTS = { heartbeats: '/v1/heartbeats', crashes: '/v1/crashes', deployments: '/v1/deployments' } as const;
export type Endpoint = keyof typeof ENDPOINTS;

export interface DriverSettings {
  batchMaxEvents: number;
  concurrency: number;
  maxAttempts: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  retryAfterMaxMs: number;
  requestTimeoutMs: number;
  maxQueuedBatches: number;
}

export const DEFAULT_DRIVER_SETTINGS: DriverSettings = {
  batchMaxEvents: 500, concurrency: 8, maxAttempts: 6, backoffInitialMs: 200, backoffMaxMs: 10_000,
  retryAfterMaxMs: 30_000, requestTimeoutMs: 10_000, maxQueuedBatches: 2000,
};

export interface DriverTokens {
  /** Device tokens; requests take them in turn (a fleet rarely shares one). */
  device: string[];
  release?: string;
}

/** Outcome classes counted per request attempt (closed set). */
export const ATTEMPT_OUTCOMES = ['ok', 'rate_limited', 'unavailable', 'network', 'refused'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export interface DriverStats {
  requests: number;
  sent: number;
  accepted: number;
  rejected: number;
  retries: number;
  /** Events of batches given up after max attempts or refused as a whole (4xx). */
  failed: number;
  dropped: number;
  attempts: Record<AttemptOutcome, number>;
  /** Per-event refusal reasons from partial successes, e.g. "/sentAt: ..." (first 20 kept). */
  rejections: string[];
}

export interface DriverDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  metrics?: DriverMetrics;
}

interface Batch { endpoint: Endpoint; events: unknown[] }

export interface SendResult { ok: boolean; accepted: number; rejected: number; status: number | 'network' }

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const MAX_REJECTIONS_KEPT = 20;

export class AgentDriver {
  readonly stats: DriverStats = {
    requests: 0, sent: 0, accepted: 0, rejected: 0, retries: 0, failed: 0, dropped: 0,
    attempts: { ok: 0, rate_limited: 0, unavailable: 0, network: 0, refused: 0 }, rejections: [],
  };
  private readonly base: string;
  private readonly tokens: DriverTokens;
  private readonly settings: DriverSettings;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly metrics: DriverMetrics | undefined;
  private readonly queue: Batch[] = [];
  private inFlight = 0;
  private nextToken = 0;
  private idle: (() => void)[] = [];

  constructor(target: string, tokens: DriverTokens, settings: Partial<DriverSettings> = {}, deps: DriverDeps = {}) {
    this.base = target.replace(/\/+$/, '');
    this.tokens = tokens;
    this.settings = { ...DEFAULT_DRIVER_SETTINGS, ...settings };
    this.fetch = deps.fetch ?? fetch;
    this.sleep = deps.sleep ?? realSleep;
    this.random = deps.random ?? Math.random;
    this.metrics = deps.metrics;
  }

  private count(endpoint: Endpoint, outcome: AttemptOutcome): void {
    this.stats.attempts[outcome]++;
    this.metrics?.attempt(endpoint, outcome);
  }

  private settleLost(endpoint: Endpoint, outcome: 'failed' | 'dropped', count: number): void {
    this.stats[outcome] += count;
    this.metrics?.settled(endpoint, outcome, count);
  }

  get queued(): number {
    return this.queue.length + this.inFlight;
  }

  /** Queue events for sending in the background (split into batches). */
  enqueue(endpoint: Endpoint, events: unknown[]): void {
    for (let k = 0; k < events.length; k += this.settings.batchMaxEvents) {
      const chunk = events.slice(k, k + this.settings.batchMaxEvents);
      if (this.queue.length >= this.settings.maxQueuedBatches) {
        this.settleLost(endpoint, 'dropped', chunk.length);
        continue;
      }
      this.queue.push({ endpoint, events: chunk });
      this.pump();
    }
  }

  /** Resolves when everything queued has been sent or given up, or after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.queued === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) => this.idle.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    const result = await Promise.race([drained, timeout]);
    clearTimeout(timer);
    return result;
  }

  private pump(): void {
    while (this.inFlight < this.settings.concurrency && this.queue.length > 0) {
      const batch = this.queue.shift() as Batch;
      this.inFlight++;
      void this.send(batch.endpoint, batch.events).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.queued === 0) for (const wake of this.idle.splice(0)) wake();
      });
    }
  }

  private tokenFor(endpoint: Endpoint): string | undefined {
    if (endpoint === 'deployments') return this.tokens.release;
    const list = this.tokens.device;
    return list.length ? list[this.nextToken++ % list.length] : undefined;
  }

  /** One batch, with retries; never throws. */
  async send(endpoint: Endpoint, events: unknown[]): Promise<SendResult> {
    const body = JSON.stringify({ events });
    const token = this.tokenFor(endpoint);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    this.stats.sent += events.length;
    let status: number | 'network' = 'network';
    for (let attempt = 1; ; attempt++) {
      this.stats.requests++;
      let wait: number | undefined;
      try {
        const res = await this.fetch(this.base + ENDPOINTS[endpoint], {
          method: 'POST', headers, body, signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
        });
        status = res.status;
        if (res.ok) return await this.onAccepted(endpoint, res, events.length);
        await res.arrayBuffer().catch(() => undefined);
        if (!RETRY_STATUSES.has(res.status)) {
          this.count(endpoint, 'refused');
          this.settleLost(endpoint, 'failed', events.length);
          return { ok: false, accepted: 0, rejected: 0, status };
        }
        this.count(endpoint, res.status === 429 ? 'rate_limited' : 'unavailable');
        wait = retryAfterMs(res.headers.get('retry-after'), Date.now(), this.settings.retryAfterMaxMs);
      } catch {
        status = 'network';
        this.count(endpoint, 'network');
      }
      if (attempt >= this.settings.maxAttempts) break;
      this.stats.retries++;
      await this.sleep(wait ?? backoffMs(attempt, this.settings.backoffInitialMs, this.settings.backoffMaxMs, this.random));
    }
    this.settleLost(endpoint, 'failed', events.length);
    return { ok: false, accepted: 0, rejected: 0, status };
  }

  private async onAccepted(endpoint: Endpoint, res: Response, count: number): Promise<SendResult> {
    this.count(endpoint, 'ok');
    let answer: { accepted?: unknown; rejected?: unknown; errors?: { index: number; path: string; reason: string }[] } = {};
    try {
      answer = await res.json() as typeof answer;
    } catch {
      // A 2xx without a readable body still means the batch went through.
    }
    const accepted = typeof answer.accepted === 'number' ? answer.accepted : count;
    const rejected = typeof answer.rejected === 'number' ? answer.rejected : 0;
    this.stats.accepted += accepted;
    this.stats.rejected += rejected;
    this.metrics?.settled(endpoint, 'accepted', accepted);
    this.metrics?.settled(endpoint, 'rejected', rejected);
    for (const e of answer.errors ?? []) {
      if (this.stats.rejections.length >= MAX_REJECTIONS_KEPT) break;
      this.stats.rejections.push(`${e.path || '/'}: ${e.reason}`);
    }
    return { ok: true, accepted, rejected, status: res.status };
  }
}
