// The thin I/O shell of one ingest route: authenticate, rate-limit, read and parse the body, call the pure
// core (acceptEvents), publish, answer. Every refusal is an IngestError mapped to its status in one place.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { trace, SpanStatusCode } from '@opentelemetry/api';
import { deadLetterRecord } from '../common/contract/dead-letter.ts';
import type { BusRecord } from '../common/bus/types.ts';
import { encodeEnvelope, envelopeKey } from '../common/contract/envelope.ts';
import { sendJson, type Route } from '../common/http/server.ts';
import type { Clock } from '../common/runtime/clock.ts';
import type { Logger } from '../common/telemetry/logger.ts';
import { acceptEvents, refusedKey, type AcceptResult } from './accept.ts';
import { ingestResult, sendRefusal, sendResult } from './answers.ts';
import { AuthError, type Authenticator, type Principal } from './auth.ts';
import { parseBatch, type ParsedBatch } from './batch.ts';
import { checkMediaType, decodeBody, readBody } from './body.ts';
import type { ClockPolicy } from './clock-policy.ts';
import type { CollectorMetrics, RequestOutcome } from './metrics.ts';
import type { RouteSpec } from './routes.ts';
import type { DeadlinePublisher } from './publish.ts';
import type { CallerLimits } from './rate-limit.ts';
import { rawEventTexts } from './raw-elements.ts';
import { EVENT_REASON_STATUS, IngestError, isIngestError } from './reasons.ts';

const NO_VALUE = Buffer.alloc(0);

export interface IngestRouteSpec extends RouteSpec {
  /** The full topic name (with the configured prefix). */
  topicName: string;
}

export interface IngestDeps {
  collectorId: string;
  maxBodyBytes: number;
  maxEventsPerBatch: number;
  sourceFromForwardedFor: boolean;
  policy: ClockPolicy;
  deadLetterTopic: string;
  clock: Clock;
  auth: Authenticator;
  limits: CallerLimits;
  publisher: DeadlinePublisher;
  metrics: CollectorMetrics;
  logger: Logger;
  /** True once the role is stopping: new requests get 503 so clients go to another instance. */
  stopping: () => boolean;
}

function sourceOf(req: IncomingMessage, fromForwardedFor: boolean): string {
  const forwarded = fromForwardedFor ? req.headers['x-forwarded-for'] : undefined;
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').pop()?.trim();
  return (last || req.socket.remoteAddress || 'unknown').slice(0, 64);
}

/**
 * Dead letters keep the element's original bytes (sliced from the body); re-serialised only if slicing fails.
 * They name the credential that posted them (its id, never the token): who tried to speak for whom.
 */
function deadLetters(spec: IngestRouteSpec, batch: ParsedBatch, result: AcceptResult, at: Date, principal: Principal): BusRecord[] {
  if (!result.refused.length) return [];
  const raw = rawEventTexts(batch.text);
  const exact = raw.length === batch.events.length;
  return result.refused.map((r) => deadLetterRecord({
    key: refusedKey(batch.events[r.index]),
    original: Buffer.from(exact ? raw[r.index] : JSON.stringify(batch.events[r.index]) ?? 'null', 'utf8'),
    reason: r.reason,
    errors: r.errors,
    source: `http:${spec.path}#${r.index}`,
    credential: principal.id,
  }, at));
}

export function ingestRoute(spec: IngestRouteSpec, deps: IngestDeps): Route {
  const { metrics } = deps;

  async function ingest(req: IncomingMessage, res: ServerResponse): Promise<'ok' | 'partial'> {
    if (deps.stopping()) throw new IngestError('stopping', 'this collector is shutting down; retry', { retryAfterSecs: 1 });
    const principal = await deps.auth.authenticate(req.headers.authorization, spec.audience);
    deps.limits.check(sourceOf(req, deps.sourceFromForwardedFor), principal.audience === 'anonymous' ? undefined : principal.id);
    const encoding = checkMediaType(req.headers);
    const body = await decodeBody(await readBody(req, deps.maxBodyBytes), encoding, deps.maxBodyBytes);
    const batch = parseBatch(body, deps.maxEventsPerBatch);
    const receivedAtMs = deps.clock.now();
    const result = acceptEvents({
      kind: spec.kind, events: batch.events, receivedAtMs, collectorId: deps.collectorId, policy: deps.policy, identity: principal,
    });
    // Telemetry is batchable: with bus.batch_records the bus packs it, per partition, into batch records
    // (format v2). Deployments (a few per release; read by the judge) stay one record each (v1).
    const batchable = spec.kind !== 'deployment';
    // Telemetry goes as documents: a compact batch record encodes the envelope without JSON text, and a
    // bus that writes it alone stringifies it there (recordValue). Deployments are encoded here.
    const records = result.accepted.map(({ envelope }) => batchable
      ? { key: envelopeKey(envelope), value: NO_VALUE, doc: envelope, batchable }
      : { key: envelopeKey(envelope), value: encodeEnvelope(envelope) });
    const bytes = batchable ? body.length : undefined;
    try {
      await deps.publisher.publish([
        { topic: spec.topicName, target: spec.topic, records, bytes },
        { topic: deps.deadLetterTopic, target: 'deadletter', records: deadLetters(spec, batch, result, new Date(receivedAtMs), principal) },
      ]);
    } catch (err) {
      if (isIngestError(err)) metrics.failed(spec.kind, err.reason, batch.events.length);
      throw err;
    }
    metrics.accepted(spec.kind, result.accepted.length, result.clamped);
    for (const r of result.refused) metrics.rejected(spec.kind, r.reason);
    const answer = ingestResult(result.accepted.length, result.refused);
    if (!answer.accepted && answer.rejected) {
      // Refused alone, an event of another device (or a ring not allowed) would get 403: so does a batch of nothing else.
      if (result.refused.some((r) => EVENT_REASON_STATUS[r.reason] === 403)) {
        throw new IngestError('forbidden_events', 'every event was refused, some because this credential may not post them (each is listed, and kept in the dead-letter topic)', { details: { ...answer } });
      }
      throw new IngestError('invalid_events', 'every event was refused (each is listed, and kept in the dead-letter topic)', { details: { ...answer } });
    }
    sendResult(res, answer);
    return answer.rejected ? 'partial' : 'ok';
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    // The request's SERVER span (common/http/server.ts); the Kafka writes are its children.
    const span = trace.getActiveSpan();
    let code = 500;
    let outcome: RequestOutcome = 'ok';
    try {
      outcome = await ingest(req, res);
      code = 200;
    } catch (err) {
      if (!isIngestError(err)) {
        // Never the message: it could quote the payload. The type and the stack's frames are enough.
        deps.logger.error({ errType: (err as Error)?.name, stack: (err as Error)?.stack?.split('\n').slice(1, 6).join('\n') }, 'ingest failed unexpectedly');
        span?.setStatus({ code: SpanStatusCode.ERROR });
        outcome = 'internal';
        if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'internal error' });
        else res.destroy();
        return;
      }
      code = err.status;
      outcome = err.reason;
      if (err instanceof AuthError) metrics.authRefused(err.refusal);
      // Reason codes only: messages may quote what the client sent.
      deps.logger.debug({ route: spec.path, reason: err.reason, status: code }, 'request refused');
      if (code >= 500) span?.setStatus({ code: SpanStatusCode.ERROR, message: err.reason });
      sendRefusal(res, err);
    } finally {
      metrics.answered(spec.path, outcome, code, (performance.now() - started) / 1000);
    }
  };
  return { method: 'POST', path: spec.path, handler };
}
