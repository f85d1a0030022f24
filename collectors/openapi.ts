// The OpenAPI 3.1 document of the collector, generated from the contract's TypeBox schemas (which are
// JSON Schema 2020-12 already), so the document cannot drift from what the server validates.
// collectors/openapi.json is this document for the default settings (`node tools/docs/write-openapi.ts`).
import type { TSchema } from '@sinclair/typebox';
import { CONTRACT_VERSION } from '../common/contract/envelope.ts';
import { EventSchemas } from '../common/contract/events.ts';
import { MAX_ERRORS_PER_EVENT } from './answers.ts';
import { routeSpecs } from './routes.ts';
import { REQUEST_REASONS, REQUEST_REASON_NAMES } from './reasons.ts';
import { describeResponses } from './openapi-responses.ts';

export interface OpenApiLimits {
  max_body_bytes: number;
  max_events_per_batch: number;
  max_future_skew_secs: number;
  max_past_age_secs: number;
  retry_after_secs: number;
  produce_timeout_ms: number;
}

type Json = Record<string, unknown>;

/** A contract schema as plain JSON, without TypeBox's $id (components are addressed by $ref here). */
function plain(schema: TSchema): Json {
  const { $id: _id, ...rest } = JSON.parse(JSON.stringify(schema)) as Json;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const title = (kind: string) => kind.charAt(0).toUpperCase() + kind.slice(1);

function schemas(limits: OpenApiLimits): Json {
  const out: Json = {};
  for (const [kind, schema] of Object.entries(EventSchemas)) {
    out[title(kind)] = plain(schema);
    out[`${title(kind)}Batch`] = {
      type: 'object', additionalProperties: false, required: ['events'],
      description: `Up to ${limits.max_events_per_batch} ${kind} events; the body is at most ${limits.max_body_bytes} bytes after decompression.`,
      properties: { events: { type: 'array', maxItems: limits.max_events_per_batch, items: ref(title(kind)) } },
    };
  }
  const counts = {
    accepted: { type: 'integer', minimum: 0, description: 'Events written to Kafka (acknowledged by every in-sync replica).' },
    rejected: { type: 'integer', minimum: 0, description: 'Events refused; each is listed in errors and kept in the dead-letter topic.' },
    errors: { type: 'array', items: ref('EventError'), description: `Up to ${MAX_ERRORS_PER_EVENT} field errors per refused event.` },
  };
  out.EventError = {
    type: 'object', required: ['index', 'path', 'reason', 'status'], additionalProperties: false,
    properties: {
      index: { type: 'integer', minimum: 0, description: 'Position of the event in the request\'s events array.' },
      path: { type: 'string', description: 'JSON pointer into the event ("" for the event itself).' },
      reason: { type: 'string', description: 'Why, in words a device developer can act on.' },
      status: { type: 'integer', enum: [400, 403], description: '400: the event is wrong (do not resend it as is); 403: this credential may not post it (another device\'s event, or a ring the credential does not allow).' },
    },
  };
  out.IngestResult = { type: 'object', required: ['accepted', 'rejected', 'errors'], additionalProperties: false, properties: counts };
  const reasonNames = REQUEST_REASON_NAMES.filter((r) => r !== 'invalid_events' && r !== 'forbidden_events');
  out.Refusal = {
    type: 'object', required: ['error', 'message'], additionalProperties: false,
    properties: {
      error: { type: 'string', enum: reasonNames, description: 'Closed set of reasons.' },
      message: { type: 'string' },
    },
  };
  out.InvalidEvents = {
    type: 'object', required: ['error', 'message', 'accepted', 'rejected', 'errors'], additionalProperties: false,
    properties: { error: { const: 'invalid_events' }, message: { type: 'string' }, ...counts },
  };
  out.ForbiddenEvents = {
    type: 'object', required: ['error', 'message', 'accepted', 'rejected', 'errors'], additionalProperties: false,
    properties: { error: { const: 'forbidden_events' }, message: { type: 'string' }, ...counts },
  };
  return out;
}

function description(l: OpenApiLimits): string {
  return [
    'Ingest API of ringwatch: endpoints post heartbeats and crashes, release tooling posts deployments.',
    `Bodies are {"events":[...]} in JSON, optionally Content-Encoding: gzip; at most ${l.max_body_bytes} bytes on the wire and after decompression, at most ${l.max_events_per_batch} events.`,
    'Partial success, as OTLP does it: valid events are accepted, each invalid one is listed by index with its JSON path, reason and status (200). If every event is refused the answer is 400 with the same list, or 403 when at least one was refused because the credential may not post it. Refused events are kept in the dead-letter topic with their original bytes.',
    'Device identity: a device credential (a per-device token or a signed device JWT) names the device(s) it may post for, and may name the rings they may report; an event of another device or ring is refused with status 403 and never written to the telemetry topics. Shared device tokens may post for any device.',
    `A 200 is given only after Kafka acknowledged every accepted event (acks=all). If Kafka does not within ${l.produce_timeout_ms} ms the answer is 503 with Retry-After (${l.retry_after_secs} s): retry with the same eventIds; duplicates are recognised downstream by eventId.`,
    `Clock policy: the server stamps receivedAt. A device time more than ${l.max_future_skew_secs} s ahead of receipt or more than ${l.max_past_age_secs} s before it is refused (future_timestamp / stale_timestamp); a smaller future skew is clamped to receipt time in eventAt.`,
  ].join('\n\n');
}

/** Only the limits, by name: the settings object also holds the tokens, which must never be published. */
function publicLimits(l: OpenApiLimits): OpenApiLimits {
  const { max_body_bytes, max_events_per_batch, max_future_skew_secs, max_past_age_secs, retry_after_secs, produce_timeout_ms } = l;
  return { max_body_bytes, max_events_per_batch, max_future_skew_secs, max_past_age_secs, retry_after_secs, produce_timeout_ms };
}

export function buildOpenApi(settings: OpenApiLimits): Json {
  const limits = publicLimits(settings);
  const paths: Json = {};
  for (const spec of routeSpecs()) {
    paths[spec.path] = {
      post: {
        operationId: `post${title(spec.kind)}s`,
        summary: `Ingest ${spec.kind} events`,
        security: [{ [spec.audience === 'device' ? 'deviceToken' : 'releaseToken']: [] }],
        parameters: [{
          name: 'Content-Encoding', in: 'header', required: false,
          schema: { type: 'string', enum: ['gzip', 'identity'] },
        }],
        requestBody: { required: true, content: { 'application/json': { schema: ref(`${title(spec.kind)}Batch`) } } },
        responses: describeResponses(limits),
      },
    };
  }
  const plainGet = (summary: string, type: string) => ({
    get: { summary, security: [], responses: { 200: { description: 'OK', content: { [type]: { schema: {} } } } } },
  });
  paths['/openapi.json'] = plainGet('This document', 'application/json');
  paths['/livez'] = plainGet('Process is alive (no dependency checks)', 'application/json');
  paths['/readyz'] = {
    get: {
      summary: 'Ready to take events (Kafka reachable)', security: [],
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: {} } } },
        503: { description: 'Not ready', content: { 'application/json': { schema: {} } } },
      },
    },
  };
  paths['/metrics'] = plainGet('Prometheus exposition of self-telemetry', 'text/plain');
  return {
    openapi: '3.1.0',
    info: {
      title: 'ringwatch collector', version: `${CONTRACT_VERSION}`, description: description(limits),
      'x-ringwatch-limits': { ...limits, statusByReason: Object.fromEntries(REQUEST_REASON_NAMES.map((r) => [r, REQUEST_REASONS[r].status])) },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: {
        deviceToken: { type: 'http', scheme: 'bearer', description: 'A device credential: a signed device JWT (device in sub, collector.device_jwt), a per-device token (collector.device_token_bindings) or a shared trial token (collector.device_tokens). Heartbeats and crashes of the device(s) it names.' },
        releaseToken: { type: 'http', scheme: 'bearer', description: 'The release-tooling token (collector.release_token): deployments.' },
      },
      schemas: schemas(limits),
    },
    paths,
  };
}
