// The responses of an ingest route in the OpenAPI document: every status the collector can answer, with
// the refusal reasons that lead to it (from the closed set in reasons.ts).
import { REQUEST_REASONS, REQUEST_REASON_NAMES } from './reasons.ts';
import type { OpenApiLimits } from './openapi.ts';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
};

function reasonsFor(status: number): string {
  return REQUEST_REASON_NAMES.filter((r) => REQUEST_REASONS[r].status === status).join(', ');
}

export function describeResponses(l: OpenApiLimits): Record<string, unknown> {
  return {
    200: {
      description: 'Every accepted event is in Kafka (acks=all). Refused events, if any, are listed by index with path, reason and status (403: the credential may not post it).',
      content: json(ref('IngestResult')),
    },
    400: {
      description: `Malformed body (not UTF-8, not JSON, not {"events":[...]}, unknown or forbidden top-level key) (malformed), or every event refused (invalid_events, with the per-event list). Do not retry. Reasons: ${reasonsFor(400)}.`,
      content: json({ oneOf: [ref('Refusal'), ref('InvalidEvents')] }),
    },
    401: {
      description: 'Missing or unknown bearer token, or a device JWT that does not verify: expired, not yet valid, another issuer or audience, an algorithm not allowed, not signed by a configured key, no device id in sub (unauthorized).',
      headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
      content: json(ref('Refusal')),
    },
    403: {
      description: 'A valid token of the wrong kind: device tokens post heartbeats and crashes, the release token deployments (forbidden). Or every event was refused and at least one because the credential may not post it: another device\'s event, or a ring the credential does not allow (forbidden_events, with the per-event list). Do not retry.',
      content: json({ oneOf: [ref('Refusal'), ref('ForbiddenEvents')] }),
    },
    405: { description: 'Only POST is allowed.', content: json({}) },
    413: {
      description: `Body over ${l.max_body_bytes} bytes on the wire or after decompression (body_too_large), or over ${l.max_events_per_batch} events (too_many_events). Reasons: ${reasonsFor(413)}.`,
      content: json(ref('Refusal')),
    },
    415: {
      description: `Content-Type is not application/json (utf-8), or Content-Encoding is neither gzip nor absent. Reasons: ${reasonsFor(415)}.`,
      content: json(ref('Refusal')),
    },
    429: { description: 'Rate limit of the device token or the source address reached (rate_limited). Retry after Retry-After.', headers: retryAfter, content: json(ref('Refusal')) },
    503: {
      description: `Kafka did not acknowledge within ${l.produce_timeout_ms} ms, refused the write, too much is waiting for it, or the collector is stopping. Nothing is guaranteed written: retry with the same eventIds after Retry-After. Reasons: ${reasonsFor(503)}.`,
      headers: retryAfter,
      content: json(ref('Refusal')),
    },
  };
}
