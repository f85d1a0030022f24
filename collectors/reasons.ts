// Why a whole request was refused: a closed set, each mapped once to its HTTP status and to whether the
// client should retry. Every refusal the collector gives comes from this table.
export const REQUEST_REASONS = {
  malformed: { status: 400, retryable: false },
  invalid_events: { status: 400, retryable: false },
  unauthorized: { status: 401, retryable: false },
  forbidden: { status: 403, retryable: false },
  forbidden_events: { status: 403, retryable: false },
  body_too_large: { status: 413, retryable: false },
  too_many_events: { status: 413, retryable: false },
  unsupported_media_type: { status: 415, retryable: false },
  unsupported_encoding: { status: 415, retryable: false },
  rate_limited: { status: 429, retryable: true },
  produce_timeout: { status: 503, retryable: true },
  bus_unavailable: { status: 503, retryable: true },
  overloaded: { status: 503, retryable: true },
  stopping: { status: 503, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type RequestReason = keyof typeof REQUEST_REASONS;
export const REQUEST_REASON_NAMES = Object.keys(REQUEST_REASONS) as RequestReason[];

/** Why one event of a batch was refused (the batch itself went through). */
export const EVENT_REASONS = ['invalid_field', 'future_timestamp', 'stale_timestamp', 'device_not_allowed', 'ring_not_allowed'] as const;
export type EventReason = (typeof EVENT_REASONS)[number];

/**
 * The status each refused event carries in the answer: 400 for an event that is wrong, 403 for one the
 * credential may not post (another device's, or a ring it is not allowed to report).
 */
export const EVENT_REASON_STATUS: Record<EventReason, 400 | 403> = {
  invalid_field: 400, future_timestamp: 400, stale_timestamp: 400, device_not_allowed: 403, ring_not_allowed: 403,
};

/** A whole-request refusal. `message` is safe to send and log: it never holds tokens or payload content. */
export class IngestError extends Error {
  readonly reason: RequestReason;
  /** Seconds for Retry-After (429 and 503 only). */
  readonly retryAfterSecs: number | undefined;
  /** Extra fields of the answer (e.g. per-event errors when every event was refused). */
  readonly details: Record<string, unknown> | undefined;

  constructor(reason: RequestReason, message: string, options: { retryAfterSecs?: number; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'IngestError';
    this.reason = reason;
    this.retryAfterSecs = options.retryAfterSecs;
    this.details = options.details;
  }

  get status(): number {
    return REQUEST_REASONS[this.reason].status;
  }
}

export const isIngestError = (err: unknown): err is IngestError => err instanceof IngestError;
