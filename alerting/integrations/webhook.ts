// Generic webhook payload and its signature, pure. The body is JSON (documented in docs/alerting.md);
// the signature is HMAC-SHA256 over "<timestamp>.<body>" so a captured request cannot be replayed later
// with a fresh timestamp (the scheme Stripe and Slack use).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { incidentTitle } from '../core/incidents.ts';
import type { Notice } from '../core/model.ts';
import { boardUrl, verdictUrl } from './pagerduty.ts';

export const WEBHOOK_PAYLOAD_VERSION = '1';
export const SIGNATURE_HEADER = 'x-ringwatch-signature';
export const TIMESTAMP_HEADER = 'x-ringwatch-timestamp';
export const EVENT_ID_HEADER = 'x-ringwatch-event-id';

export function webhookBody(n: Notice, createdAtMs: number, publicUrl: string): string {
  const common = { version: WEBHOOK_PAYLOAD_VERSION, id: n.id, type: n.type, createdAt: new Date(createdAtMs).toISOString() };
  if (n.type === 'signal.halt') {
    const s = n.signal;
    const title = `Halt ${s.release.component}@${s.release.version} on ring ${s.ring}${s.rollbackRecommended ? ' (rollback recommended)' : ''}`;
    return JSON.stringify({ ...common, title, signal: s, links: { verdict: verdictUrl(publicUrl, s.release, s.ring), board: boardUrl(publicUrl, s.release) } });
  }
  const i = n.incident;
  const links = { verdict: i.release ? verdictUrl(publicUrl, i.release, i.lastRing) : undefined, board: i.release ? boardUrl(publicUrl, i.release) : undefined };
  return JSON.stringify({ ...common, title: incidentTitle(i), incident: i, links });
}

export function sign(secret: string, timestampSecs: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSecs}.${body}`).digest('hex')}`;
}

export function signedHeaders(secret: string, body: string, eventId: string, nowMs: number): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return { [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: sign(secret, ts, body), [EVENT_ID_HEADER]: eventId };
}

/** What a receiver does (and what tests check): recompute, compare in constant time, bound the age. */
export function verifySignature(secret: string, headers: Record<string, string | string[] | undefined>, body: string,
  nowMs: number, toleranceSecs = 300): boolean {
  const ts = Number(headers[TIMESTAMP_HEADER]);
  const given = String(headers[SIGNATURE_HEADER] ?? '');
  if (!Number.isInteger(ts) || Math.abs(nowMs / 1000 - ts) > toleranceSecs) return false;
  const expected = sign(secret, ts, body);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
