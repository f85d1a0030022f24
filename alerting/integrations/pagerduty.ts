// PagerDuty Events API v2 bodies, pure. Limits from https://developer.pagerduty.com/docs/events-api-v2/
// (overview and trigger-events): dedup_key <= 255 chars, summary <= 1024 chars, whole event <= 512 KB.
import { createHash } from 'node:crypto';
import type { Release, Severity } from '../../common/contract/decision.ts';
import { incidentTitle } from '../core/incidents.ts';
import { jsonBytes } from '../core/evidence.ts';
import type { HaltSignal, Incident } from '../core/model.ts';

export const PD_MAX_DEDUP_KEY_CHARS = 255;
export const PD_MAX_SUMMARY_CHARS = 1024;
export const PD_MAX_EVENT_BYTES = 512 * 1024;
export const PD_ENQUEUE_PATH = '/v2/enqueue';
export const PD_CHANGE_PATH = '/v2/change/enqueue';
const SOURCE = 'ringwatch';

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Same incident episode, same key: PagerDuty folds repeats into one alert; a new episode opens a new one. */
export function dedupKey(incident: Pick<Incident, 'id' | 'episode'>): string {
  const key = `ringwatch|${incident.id}|${incident.episode}`;
  if (key.length <= PD_MAX_DEDUP_KEY_CHARS) return key;
  const digest = createHash('sha256').update(key).digest('hex');
  return `${key.slice(0, PD_MAX_DEDUP_KEY_CHARS - digest.length - 1)}#${digest}`;
}

export function verdictUrl(publicUrl: string, release: Release, ring?: string): string | undefined {
  if (!publicUrl) return undefined;
  const base = `${publicUrl.replace(/\/+$/, '')}/v1/verdicts/${encodeURIComponent(release.component)}/${encodeURIComponent(release.version)}`;
  return ring ? `${base}?ring=${encodeURIComponent(ring)}` : base;
}

/** The alerter's board page of a release (served at /board/releases/<component>/<version>). */
export function boardUrl(publicUrl: string, release: Release): string | undefined {
  if (!publicUrl) return undefined;
  return `${publicUrl.replace(/\/+$/, '')}/board/releases/${encodeURIComponent(release.component)}/${encodeURIComponent(release.version)}`;
}

/** Links to the alerter's pages about a release: its board page and the verdict with evidence (none without public_url). */
const links = (publicUrl: string, release: Release | undefined, ring?: string) => {
  const board = release && boardUrl(publicUrl, release);
  const verdict = release && verdictUrl(publicUrl, release, ring);
  return [
    ...(board ? [{ href: board, text: 'ringwatch board: this release across rings' }] : []),
    ...(verdict ? [{ href: verdict, text: 'ringwatch verdict and evidence' }] : []),
  ];
};

/** Keep the event under PagerDuty's size limit: evidence goes first, then all details. */
export function fitEvent<T extends { payload: { custom_details?: Record<string, unknown> } }>(event: T): T {
  if (jsonBytes(event) <= PD_MAX_EVENT_BYTES) return event;
  const details = { ...event.payload.custom_details, evidence: { truncated: true, note: 'event exceeded 512 KB' } };
  const smaller = { ...event, payload: { ...event.payload, custom_details: details } };
  if (jsonBytes(smaller) <= PD_MAX_EVENT_BYTES) return smaller;
  return { ...event, payload: { ...event.payload, custom_details: { truncated: true } } };
}

const clientUrl = (href: string | undefined) => (href ? { client_url: href } : {});

export function triggerEvent(incident: Incident, routingKey: string, severity: Severity, publicUrl: string) {
  return fitEvent({
    routing_key: routingKey,
    event_action: 'trigger' as const,
    dedup_key: dedupKey(incident),
    payload: {
      summary: truncate(incidentTitle(incident), PD_MAX_SUMMARY_CHARS),
      source: SOURCE,
      severity,
      timestamp: incident.updatedAt,
      component: incident.release?.component ?? 'telemetry-pipeline',
      group: truncate(incident.rings.join(','), 255),
      class: incident.kind,
      custom_details: {
        incident_id: incident.id, kind: incident.kind, episode: incident.episode,
        release: incident.release, scope: incident.scope, rings: incident.rings, failing_cells: incident.failingCells,
        first_decision_id: incident.firstDecisionId, last_decision_id: incident.last.id, last_ring: incident.lastRing,
        window_start: incident.last.windowStart, window_end: incident.last.windowEnd, evidence: incident.last.evidence,
      },
    },
    links: links(publicUrl, incident.release, incident.lastRing),
    client: 'ringwatch',
    ...clientUrl(incident.release && boardUrl(publicUrl, incident.release)),
  });
}

export function resolveEvent(incident: Incident, routingKey: string) {
  return { routing_key: routingKey, event_action: 'resolve' as const, dedup_key: dedupKey(incident) };
}

/** A Change Event: shown beside incidents, pages nobody ("rollout of X halted on ring Y"). */
export function changeEvent(signal: HaltSignal, routingKey: string, publicUrl: string) {
  const action = signal.rollbackRecommended ? 'halted (rollback recommended)' : 'halted';
  return fitEvent({
    routing_key: routingKey,
    payload: {
      summary: truncate(`Rollout of ${signal.release.component}@${signal.release.version} ${action} on ring ${signal.ring}: ${signal.summary}`, PD_MAX_SUMMARY_CHARS),
      source: SOURCE,
      timestamp: signal.at,
      custom_details: {
        signal_id: signal.id, release: signal.release, ring: signal.ring, reason: signal.reason,
        rollback_recommended: signal.rollbackRecommended, incident_id: signal.incidentId, decision_id: signal.decisionId,
        evidence: signal.evidence,
      },
    },
    links: links(publicUrl, signal.release, signal.ring),
  });
}
