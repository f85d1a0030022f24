// The answers the ingest routes give. Shapes are documented in the OpenAPI document (openapi.ts).
// 200 rather than 202: by the time we answer, Kafka has acknowledged every accepted event (acks=all),
// so the work the client asked for is done, not merely queued.
import type { ServerResponse } from 'node:http';
import { sendJson } from '../common/http/server.ts';
import type { Refusal } from './accept.ts';
import { EVENT_REASON_STATUS, type IngestError } from './reasons.ts';

/** Field errors listed per refused event in an answer (the dead letter keeps up to 20). */
export const MAX_ERRORS_PER_EVENT = 5;

export interface EventError {
  index: number;
  path: string;
  reason: string;
  /** 400: the event is wrong; 403: this credential may not post it. */
  status: 400 | 403;
}

export interface IngestResult {
  accepted: number;
  rejected: number;
  errors: EventError[];
}

export function ingestResult(accepted: number, refused: Refusal[]): IngestResult {
  return {
    accepted,
    rejected: refused.length,
    errors: refused.flatMap((r) => r.errors.slice(0, MAX_ERRORS_PER_EVENT).map((e) => ({ index: r.index, path: e.path, reason: e.reason, status: EVENT_REASON_STATUS[r.reason] }))),
  };
}

export function sendResult(res: ServerResponse, result: IngestResult): void {
  sendJson(res, 200, result);
}

export function sendRefusal(res: ServerResponse, err: IngestError): void {
  const headers: Record<string, string> = {};
  if (err.retryAfterSecs !== undefined) headers['retry-after'] = String(err.retryAfterSecs);
  if (err.reason === 'unauthorized') headers['www-authenticate'] = 'Bearer realm="ringwatch"';
  // The unread rest of an oversize body is not worth reading: answer, then close the connection.
  if (err.reason === 'body_too_large') headers.connection = 'close';
  sendJson(res, err.status, { error: err.reason, message: err.message, ...err.details }, headers);
}
