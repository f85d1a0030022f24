// Token buckets keyed by caller (device token, source address), with a bounded number of keys: the least
// recently used bucket is dropped first. A dropped bucket comes back full, so eviction can only make the
// limit looser for a caller nobody has seen in a while, never refuse anyone wrongly.
import type { Clock } from '../common/runtime/clock.ts';
import { IngestError } from './reasons.ts';

export interface BucketSettings {
  ratePerSec: number;
  burst: number;
  maxKeys: number;
  /** Told about each bucket dropped to stay within maxKeys (self-telemetry). */
  onEvict?: () => void;
}

export type Take = { ok: true } | { ok: false; retryAfterSecs: number };

interface Bucket { tokens: number; atMs: number; }

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly settings: BucketSettings;
  private readonly clock: Clock;
  constructor(settings: BucketSettings, clock: Clock) {
    this.settings = settings;
    this.clock = clock;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Take one token for `key`, or say how long until one is available. */
  take(key: string): Take {
    const { ratePerSec, burst, maxKeys } = this.settings;
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // re-inserted below: Map order is recency order
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.atMs) / 1000) * ratePerSec);
      bucket.atMs = now;
    } else {
      bucket = { tokens: burst, atMs: now };
      if (this.buckets.size >= maxKeys) {
        this.buckets.delete(this.buckets.keys().next().value as string);
        this.settings.onEvict?.();
      }
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSecs: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSec)) };
  }
}

export interface LimitSettings {
  rate_limit_source_per_sec: number;
  rate_limit_device_per_sec: number;
  rate_limit_burst: number;
  rate_limit_source_burst: number;
  max_tracked_sources: number;
}

/** The two limits every ingest request passes: per source address, then per device token. */
export class CallerLimits {
  readonly source: TokenBuckets;
  readonly device: TokenBuckets;

  constructor(s: LimitSettings, clock: Clock, onEvict: (limit: 'source' | 'device') => void = () => {}) {
    const maxKeys = s.max_tracked_sources;
    this.source = new TokenBuckets({ maxKeys, burst: s.rate_limit_source_burst, ratePerSec: s.rate_limit_source_per_sec, onEvict: () => onEvict('source') }, clock);
    this.device = new TokenBuckets({ maxKeys, burst: s.rate_limit_burst, ratePerSec: s.rate_limit_device_per_sec, onEvict: () => onEvict('device') }, clock);
  }

  /** Throws rate_limited (429) with the seconds until a retry can succeed. `deviceId` absent: no token. */
  check(source: string, deviceId: string | undefined): void {
    for (const [buckets, key, who] of [[this.source, source, 'source address'], [this.device, deviceId, 'device token']] as const) {
      if (key === undefined) continue;
      const took = buckets.take(key);
      if (!took.ok) throw new IngestError('rate_limited', `rate limit of this ${who} reached`, { retryAfterSecs: took.retryAfterSecs });
    }
  }
}
