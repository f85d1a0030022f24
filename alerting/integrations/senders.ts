// How each integration sends one delivery: build the request from the notice and the current settings
// (secrets are looked up here, at send time, and never stored in the outbox), then POST or publish it.
// A PagerDuty alert is resolved through the key that triggered it, remembered from the trigger's 2xx.
import { encodeSignal } from '../../common/contract/signals.ts';
import type { BusProducer } from '../../common/bus/types.ts';
import type { AlertingSettings } from '../config.ts';
import type { HaltSignal } from '../core/model.ts';
import { changeEvent, PD_CHANGE_PATH, PD_ENQUEUE_PATH, resolveEvent, triggerEvent } from './pagerduty.ts';
import { postJson, type PostResult } from './http-post.ts';
import type { Delivery, Integration, PagerRoute, RoutingTargets } from '../core/routing.ts';
import { signedHeaders, webhookBody } from './webhook.ts';
import { tracedPublish } from '../../common/telemetry/messaging-spans.ts';

export type Sender = (d: Delivery) => Promise<PostResult>;

/** Integration keys by route; per-component owners first, then the release-wide key. */
export function pagerKeys(s: AlertingSettings) {
  const owners = new Map(s.release_owners.map((o) => [o.component, o.pagerduty_release_routing_key]));
  return (route: PagerRoute, component?: string): string | undefined => {
    if (route === 'pipeline') return s.pagerduty_pipeline_routing_key || undefined;
    return (component !== undefined ? owners.get(component) : undefined) || s.pagerduty_release_routing_key || undefined;
  };
}

/** The routing key each PagerDuty alert was triggered with (alerting/shell/triggered-keys.ts). */
export interface TriggeredKeyStore {
  keyFor(incidentId: string, episode?: number): string | undefined;
  triggered(incidentId: string, episode: number, routingKey: string): Promise<void>;
  finished(incidentId: string, episode: number): Promise<void>;
}

/** Which integrations are configured, as the pure routing sees them (the alerter and the backtest alike). */
export function routingTargets(s: AlertingSettings, triggered?: TriggeredKeyStore): RoutingTargets {
  const keyFor = pagerKeys(s);
  return {
    hasPagerKey: (route, component, incidentId) => !!(incidentId && triggered?.keyFor(incidentId)) || !!keyFor(route, component),
    webhooks: s.webhooks.map((w) => w.name),
  };
}

const refused = (): PostResult => ({ attempt: { kind: 'permanent', reason: 'not_configured' }, durationMs: 0 });

export interface SenderDeps {
  settings: AlertingSettings;
  producer: BusProducer;
  signalsTopic: string;
  now: () => number;
  /** Signal ids already on the signals topic (read back at start), so a restart does not publish one twice. */
  published?: ReadonlySet<string>;
  /** Resolves and change events go to the key that triggered the alert; without it, to the keys in force. */
  triggered?: TriggeredKeyStore;
}

export function createSenders(deps: SenderDeps): Record<Integration, Sender> {
  const s = deps.settings;
  const keyFor = pagerKeys(s);
  const base = s.pagerduty_url.replace(/\/+$/, '');
  const webhooks = new Map(s.webhooks.map((w) => [w.name, w]));
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    postJson(url, typeof body === 'string' ? body : JSON.stringify(body), headers, s.request_timeout_ms, deps.now);

  return {
    pagerduty: async (d) => {
      const n = d.notice;
      const component = n.type === 'signal.halt' ? n.signal.release.component : n.incident.release?.component;
      const triggeredWith = n.type === 'signal.halt' ? deps.triggered?.keyFor(n.signal.incidentId)
        : d.action === 'resolve' ? deps.triggered?.keyFor(n.incident.id, n.incident.episode) : undefined;
      const key = triggeredWith ?? keyFor(d.target as PagerRoute, component);
      if (!key) return refused();
      if (n.type === 'signal.halt') return post(`${base}${PD_CHANGE_PATH}`, changeEvent(n.signal, key, s.public_url, s.board_public_url));
      if (d.action === 'resolve') {
        const result = await post(`${base}${PD_ENQUEUE_PATH}`, resolveEvent(n.incident, key));
        if (result.attempt.kind !== 'retry') await deps.triggered?.finished(n.incident.id, n.incident.episode);
        return result;
      }
      const result = await post(`${base}${PD_ENQUEUE_PATH}`, triggerEvent(n.incident, key, n.incident.severity, s.public_url, s.board_public_url));
      if (result.attempt.kind === 'ok') await deps.triggered?.triggered(n.incident.id, n.incident.episode, key);
      return result;
    },
    webhook: async (d) => {
      const hook = webhooks.get(d.target);
      if (!hook?.hmac_secret) return refused();
      const body = webhookBody(d.notice, d.createdAtMs, s.public_url, s.board_public_url);
      return post(hook.url, body, signedHeaders(hook.hmac_secret, body, d.notice.id, deps.now()));
    },
    signals_topic: async (d) => {
      if (d.notice.type !== 'signal.halt') return refused();
      const started = performance.now();
      if (deps.published?.has(d.notice.signal.id)) return { attempt: { kind: 'ok' }, durationMs: 0 };
      try {
        await tracedPublish(deps.producer, deps.signalsTopic, [encodeSignal(d.notice.signal)]);
        return { attempt: { kind: 'ok' }, durationMs: performance.now() - started };
      } catch {
        return { attempt: { kind: 'retry', reason: 'bus_unavailable' }, durationMs: performance.now() - started };
      }
    },
  };
}
